"""The CPU-heavy engines, run off the event loop in a bounded pool.

At most ``workers`` calls run at once and ``queue`` more wait; past that a call fails at
once with EngineBusy, so latency stays bounded under load instead of growing with it.

Loaded models are kept per process (``_IDLE``): loading takes about a second, the models
are read-only, and an app rebuilt in the same process (tests, a reload) reuses them.
Each engine set is used by one thread at a time: OpenCV and onnxruntime sessions are not
shared between concurrent calls.
"""

from __future__ import annotations

import asyncio
import importlib
import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from kyc.config import KycConfig
from kyc.errors import EngineBusy
from kyc.face import FaceEngine
from kyc.ocr import OcrEngine, RapidOcrEngine

T = TypeVar("T")
_IDLE: dict[tuple, queue.LifoQueue] = {}


def load_factory(spec: str) -> Callable:
    """``module:callable`` as given in a setting."""
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"{spec!r} is not module:callable")
    return getattr(importlib.import_module(module), name)


class Engines:
    """One thread's OCR, face and liveness engines, each made on first use."""

    def __init__(self, config: KycConfig) -> None:
        self.config = config
        self._ocr: OcrEngine | None = None
        self._face: FaceEngine | None = None
        self._liveness = None

    @property
    def ocr(self) -> OcrEngine:
        if self._ocr is None:
            spec = self.config.ocr_engine
            self._ocr = RapidOcrEngine(threads=self.config.ocr_threads) if spec == "rapidocr" else load_factory(spec)()
        return self._ocr

    @property
    def face(self) -> FaceEngine:
        if self._face is None:
            self._face = FaceEngine(self.config.face)
        return self._face

    @property
    def liveness(self):
        if self._liveness is None:
            from kyc.liveness import HeadTurnLiveness

            spec = self.config.liveness_engine
            self._liveness = (
                HeadTurnLiveness(yaw_delta=self.config.yaw_delta) if spec == "head-turn" else load_factory(spec)()
            )
        return self._liveness


def _key(config: KycConfig) -> tuple:
    return (config.face, config.ocr_engine, config.ocr_threads, config.liveness_engine, config.yaw_delta)


class EnginePool:
    def __init__(self, config: KycConfig) -> None:
        self.config = config
        self._executor = ThreadPoolExecutor(max_workers=config.engine_workers, thread_name_prefix="kyc-engine")
        self._capacity = config.engine_workers + max(config.engine_queue, 0)
        self._pending = 0
        self._idle = _IDLE.setdefault(_key(config), queue.LifoQueue())

    @property
    def pending(self) -> int:
        return self._pending

    async def run(self, work: Callable[..., T], *args) -> T:
        """``work(engines, *args)`` on a pool thread; EngineBusy when the pool is full."""
        if self._pending >= self._capacity:
            raise EngineBusy(retry_after_seconds=1)
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, work, args)
        finally:
            self._pending -= 1

    def _call(self, work: Callable[..., T], args: tuple) -> T:
        try:
            engines = self._idle.get_nowait()
        except queue.Empty:
            engines = Engines(self.config)
        try:
            return work(engines, *args)
        finally:
            self._idle.put(engines)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
