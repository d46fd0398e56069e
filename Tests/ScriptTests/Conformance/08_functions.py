def greet(name, greeting="Hello", *args, punct="!", **kwargs):
    return f"{greeting}, {name}{punct} {args} {kwargs}"

print(greet("Ann"))
print(greet("Bob", "Hi", 1, 2, punct="?", extra=True))
print(greet(greeting="Yo", name="Cy"))
args = ("Dee", "Hey")
kw = {"punct": "."}
print(greet(*args, **kw))

def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)

print(fact(20))

def make_counter():
    count = 0
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc

c = make_counter()
c(); c()
print(c(10))

def adders():
    return [lambda x, i=i: x + i for i in range(3)]

print([f(10) for f in adders()])
square = lambda x: x * x
print(square(7), (lambda: "no args")(), list(map(square, [1, 2, 3])), list(filter(lambda v: v > 1, [0, 1, 2, 3])))

def kwonly(a, *, b, c=3):
    return a + b + c

print(kwonly(1, b=2), kwonly(1, b=2, c=10))

def noreturn():
    pass

print(noreturn())
g = 100
def use_global():
    global g
    g += 1
    return g
print(use_global(), g)

def outer():
    x = "outer"
    def middle():
        def inner():
            return x
        return inner()
    return middle()
print(outer())
print(greet.__name__, callable(greet), callable(3))
