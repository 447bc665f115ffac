"""The Bot API methods the sandbox implements, with the semantic checks of the real server.

Each module registers its methods in :data:`METHODS` when imported; the server looks them
up by lower-case name after the request passed validation against the reference.
"""

from . import editing, sending, updates
from .params import METHODS, Handler, Params

__all__ = ["METHODS", "Handler", "Params", "editing", "sending", "updates"]
