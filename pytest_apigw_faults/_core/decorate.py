"""``@Fault(...)``: the fault started around each call of a function, or
around each step of a generator.

A generator's body runs only when it is resumed, so the fault is started
around each resume (``next``, ``send``, ``throw``, ``close``, and their async
forms) and stopped while the generator is suspended: calls made by its
consumer between two items are not faulted.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import AbstractContextManager
from typing import Any, TypeVar, cast

__all__ = ["around"]

_F = TypeVar("_F", bound=Callable[..., Any])


def around(fault: AbstractContextManager[Any], func: _F) -> _F:
    """``func`` with ``fault`` started around each call, or each step."""
    if inspect.isasyncgenfunction(func):
        return cast(_F, _around_async_generator(fault, func))
    if inspect.isgeneratorfunction(func):
        return cast(_F, _around_generator(fault, func))
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with fault:
                return await func(*args, **kwargs)

        return cast(_F, async_wrapper)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with fault:
            return func(*args, **kwargs)

    return cast(_F, wrapper)


def _around_generator(
    fault: AbstractContextManager[Any], func: Callable[..., Generator[Any, Any, Any]]
) -> Callable[..., Generator[Any, Any, Any]]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        inner = func(*args, **kwargs)
        resume: Callable[[Any], Any] = inner.send
        value: Any = None
        while True:
            try:
                with fault:
                    item = resume(value)
            except StopIteration as stop:
                return stop.value
            try:
                value = yield item
                resume = inner.send
            except GeneratorExit:
                with fault:
                    inner.close()
                raise
            except BaseException as error:  # thrown in: into the generator
                resume, value = inner.throw, error

    return wrapper


def _around_async_generator(
    fault: AbstractContextManager[Any], func: Callable[..., AsyncGenerator[Any, Any]]
) -> Callable[..., AsyncGenerator[Any, Any]]:
    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        inner = func(*args, **kwargs)
        resume: Callable[[Any], Any] = inner.asend
        value: Any = None
        while True:
            try:
                with fault:
                    item = await resume(value)
            except StopAsyncIteration:
                return
            try:
                value = yield item
                resume = inner.asend
            except GeneratorExit:
                with fault:
                    await inner.aclose()
                raise
            except BaseException as error:  # thrown in: into the generator
                resume, value = inner.athrow, error

    return wrapper
