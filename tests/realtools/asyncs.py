# Coroutines: await, async for, async with, a task that raises.
import asyncio


class ACM:
    async def __aenter__(self):
        await asyncio.sleep(0)
        return "acm"

    async def __aexit__(self, *exc):
        return False


async def agen(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


async def child(x):
    await asyncio.sleep(0)
    if x == 2:
        raise ValueError("bad child")
    return x * 10


async def main():
    total = 0
    async for v in agen(3):
        total += v
    async with ACM() as name:
        total += len(name)
    results = await asyncio.gather(child(1), child(2), return_exceptions=True)
    for r in results:
        if isinstance(r, Exception):
            total -= 1
        else:
            total += r
    return total


print(asyncio.run(main()))
