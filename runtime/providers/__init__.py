"""Model providers behind one interface: Anthropic, OpenAI-compatible servers, llama.cpp.

Import from here; provider modules import their SDK only when first used.
"""

from runtime.providers.base import (
    Message,
    ModelRequest,
    ModelResponse,
    Provider,
    StopReason,
    StreamCallback,
    SystemBlock,
    TokenCount,
    ToolCall,
    ToolSpec,
)
from runtime.providers.errors import (
    AuthenticationError,
    ContextOverflowError,
    InvalidOutputError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    TruncatedOutputError,
)
from runtime.providers.registry import BACKENDS, get_provider
from runtime.providers.streaming import TerminalStream

__all__ = [
    "BACKENDS",
    "AuthenticationError",
    "ContextOverflowError",
    "InvalidOutputError",
    "Message",
    "ModelRequest",
    "ModelResponse",
    "Provider",
    "ProviderError",
    "ProviderTimeoutError",
    "ProviderUnavailableError",
    "RateLimitError",
    "StopReason",
    "StreamCallback",
    "SystemBlock",
    "TerminalStream",
    "TokenCount",
    "ToolCall",
    "ToolSpec",
    "TruncatedOutputError",
    "get_provider",
]
