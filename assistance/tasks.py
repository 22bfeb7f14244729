"""Celery tasks of assistance: the fund book's immediate postings (idempotent; run on a beat)."""

from celery import shared_task


@shared_task(name="assistance.post_immediate_assistance")
def post_immediate_assistance() -> int:
    from .services import post_immediate

    return post_immediate()
