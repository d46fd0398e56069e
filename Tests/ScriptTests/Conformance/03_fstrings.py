x = 3.14159
n = 42
name = "dsh"
items = [1, 2, 3]
print(f"{x:.3f} {n:>4} {n:<4}| {name!r} {name!s} {x=} {n = }")
print(f"{n:05d} {n:x} {n:#x} {n:b} {x:10.2f}| {x:e} {x:g} {1e-7:g} {123456789.0:g} {0.5:%}")
print(f"{'nested'} {items[0] + items[-1]} {len(items)} {name.upper()} {{literal}}")
width = 8
print(f"{name:>{width}}|{x:.{2}f}|{'c':^{width}}|")
print(f"{True} {None} {[1, 'a']} {(1,)} {dict(a=1)}")
print(f"{1000000:,} {1234.5:,.2f} {-3:+} {3:+} {0.1 + 0.2}")
print(f"multi {n} and {x:.1f}" f" joined {name}")
print(f"{3.0} {1e20} {1.5e-10} {float('nan')} {float('inf')} {-0.0}")
