# Timing workload for tools/realtools.py (not part of the comparison set):
# a mix of calls, loops, generators, classes and exceptions, with a few
# lines that never run (as in real code), so that some code objects keep
# lines that a coverage tool cannot switch off.
import os

SCALE = float(os.environ.get("REALTOOLS_SCALE", "1"))


class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("bad amount")
        self.balance += amount
        self.history.append(amount)

    def withdraw(self, amount):
        if amount > self.balance:
            raise ValueError("insufficient")
        self.balance -= amount
        self.history.append(-amount)
        return amount


def tokens(text):
    word = []
    for ch in text:
        if ch.isalnum():
            word.append(ch)
        elif word:
            yield "".join(word)
            word = []
    if word:
        yield "".join(word)


def parse_int(s):
    try:
        return int(s)
    except ValueError:
        return None


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def rarely(x):
    if x == -12345:
        return "never happens"
    return x


def run():
    text = "alpha 12 beta 7 gamma x9 delta 100 " * 20
    acc = Account("a", 10)
    total = 0
    for rnd in range(int(600 * SCALE)):
        for tok in tokens(text):
            v = parse_int(tok)
            if v is None:
                continue
            try:
                acc.deposit(v)
                acc.withdraw(v * 2)
            except ValueError:
                total += 1
        total += fib(12) + rarely(rnd)
        total += sum(x * x for x in range(50))
    return total


print(run())
