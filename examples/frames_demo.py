"""A small program to watch PEP 669 frame events with:

    python -m pep669 events examples/frames_demo.py

It makes plain calls, recurses, drives a generator with next/send/throw/close,
runs a coroutine with asyncio and lets an exception unwind through two
frames before catching it.  It runs unchanged under plain ``python`` too.
"""

import asyncio


def add(a, b):
    return a + b


def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


def running_total():
    total = 0
    while True:
        try:
            step = yield total
        except ValueError:
            step = 100
        total += step


def drive_generator():
    gen = running_total()
    next(gen)                     # PY_START, then PY_YIELD 0
    gen.send(5)                   # PY_RESUME, PY_YIELD 5
    gen.throw(ValueError("bad"))  # PY_THROW, caught inside, PY_YIELD 105
    gen.close()                   # PY_THROW GeneratorExit, PY_UNWIND


async def fetch(x):
    await asyncio.sleep(0)        # suspends: PY_YIELD here and in the caller
    return x * 2


async def fetch_twice(x):
    first = await fetch(x)
    return first + 1


def parse(text):
    return int(text)              # int() raises: parse unwinds ...


def load(text):
    return parse(text) + 1        # ... and so does load


def safe_load(text):
    try:
        return load(text)
    except ValueError:
        return -1                 # ... until the exception is caught here


def main():
    add(2, 3)
    factorial(3)
    drive_generator()
    asyncio.run(fetch_twice(20))
    safe_load("oops")
    print("frames_demo: done")


if __name__ == "__main__":
    main()
