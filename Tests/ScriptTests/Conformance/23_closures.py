def make_multipliers():
    result = []
    for n in range(1, 4):
        def mul(x, n=n):
            return x * n
        result.append(mul)
    return result
print([m(10) for m in make_multipliers()])

def accumulator():
    total = 0
    def add(v):
        nonlocal total
        total += v
        return total
    def get():
        return total
    return add, get
add, get = accumulator()
add(5); add(7)
print(get())

def compose(*fns):
    def run(x):
        for f in reversed(fns):
            x = f(x)
        return x
    return run
inc = lambda v: v + 1
dbl = lambda v: v * 2
print(compose(inc, dbl)(5), compose(dbl, inc)(5))

def memo(f):
    cache = {}
    def wrapped(n):
        if n not in cache:
            cache[n] = f(n)
        return cache[n]
    return wrapped

@memo
def slow_square(n):
    print("computing", n)
    return n * n
print(slow_square(4), slow_square(4))
