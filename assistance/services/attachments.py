"""The files a special case carries: PDF or JPEG, recognised by their content, size-limited."""

from __future__ import annotations

from django.conf import settings

from .errors import AssistanceError

# content signature -> (content type, file name endings)
KINDS = {
    b"%PDF-": ("application/pdf", (".pdf",)),
    b"\xff\xd8\xff": ("image/jpeg", (".jpg", ".jpeg")),
}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "ASSISTANCE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def check(upload) -> tuple[str, int]:
    """(content type, size) of an uploaded file, or refused naming `attachments` and the reason."""
    name = getattr(upload, "name", "") or "file"
    size = getattr(upload, "size", None)
    if size is None:
        size = len(upload.read())
        upload.seek(0)
    limit = max_bytes()
    if size > limit:
        raise AssistanceError(
            "attachments",
            f"文件 {name} 大小 {size} 字节，超过上限 {limit} 字节（{limit // 1024 // 1024} MB）",
        )
    if size == 0:
        raise AssistanceError("attachments", f"文件 {name} 是空文件")
    head = upload.read(8)
    upload.seek(0)
    for signature, (content_type, endings) in KINDS.items():
        if head.startswith(signature):
            if not name.lower().endswith(endings):
                raise AssistanceError(
                    "attachments",
                    f"文件 {name} 的内容是 {content_type}，但扩展名不符（应为 {'/'.join(endings)}）",
                )
            return content_type, size
    raise AssistanceError("attachments", f"文件 {name} 不是 PDF 或 JPEG 文件（仅接受 PDF、JPEG）")
