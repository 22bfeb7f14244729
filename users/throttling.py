"""Bad bearer tokens are throttled by client IP (DRF throttling, rate `bad_token` in settings).

Authentication runs before DRF's own throttles, so the token check itself counts failures:
each refused token is one hit in the IP's window; once the window is full, every request from
that IP that carries a token is answered 429 (with Retry-After) until the window moves on,
without looking the token up.
"""

from rest_framework.throttling import SimpleRateThrottle


class BadTokenThrottle(SimpleRateThrottle):
    scope = "bad_token"

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request):
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()

    def blocked(self, request) -> float | None:
        """Seconds to wait when this IP has used up its bad tokens, else None."""
        if self.rate is None:
            return None
        self._load(request)
        if len(self.history) >= self.num_requests:
            return self.wait()
        return None

    def record_failure(self, request) -> None:
        if self.rate is None:
            return
        self._load(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)
