# Code running in threads started after measurement begins.
import threading

results = []


def worker(n):
    acc = 0
    for i in range(n):
        if i % 3 == 0:
            acc += i
    results.append(acc)


def never_run_in_thread():
    return "never"


threads = [threading.Thread(target=worker, args=(k,)) for k in (4, 7)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results))
