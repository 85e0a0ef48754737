"""A small asyncio web-service backend with the mistakes concur's async rules find."""
from .storage import load_profile

__all__ = ["load_profile"]
