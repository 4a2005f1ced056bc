# Generators: yield, yield from, send, throw, close, early abandon,
# try/finally inside a generator.


def counter(n):
    i = 0
    while i < n:
        yield i
        i += 1
    return "done"


def delegate():
    result = yield from counter(2)
    yield result


def echo():
    received = None
    while True:
        try:
            received = yield received
        except ValueError:
            received = "thrown"
        if received == "stop":
            return


def guarded():
    try:
        yield 1
        yield 2
    finally:
        cleanup = True


def pipeline(src):
    for v in src:
        if v % 2:
            yield v * 10


print(list(counter(3)), list(delegate()))
g = echo()
next(g)
print(g.send("hi"), g.throw(ValueError), end=" ")
try:
    g.send("stop")
except StopIteration:
    print("stopped")
h = guarded()
print(next(h))
h.close()
print(list(pipeline(range(5))), next(pipeline([2, 3])))
