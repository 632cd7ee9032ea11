"""The API's renderers: DRF's own, the browsable one fitted to the Content-Security-Policy.

Its own module: the settings name it, and DRF imports it while ``rest_framework.views`` itself is being imported.
"""

from csp.constants import SELF, UNSAFE_INLINE
from rest_framework import renderers

__all__ = ["BrowsableAPIRenderer"]


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages write styles inline (Pygments' code colours in a ``<style>``, two buttons' ``style``
    attributes), which no nonce can reach: their pages alone allow inline styles, as Redoc's does (config/urls.py).
    Scripts stay nonce-only."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_replace = {"style-src": [SELF, UNSAFE_INLINE]}  # read by django-csp's middleware
        return super().render(data, accepted_media_type, renderer_context)
