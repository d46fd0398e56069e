import math
import json
import os.path
import sys
import time
from math import sqrt, pi as PI
from os import path
print(math.sqrt(16), math.floor(2.7), math.ceil(2.1), math.pi, math.e, PI, sqrt(2))
print(math.exp(1), math.log(math.e), math.log(8, 2), math.sin(0), math.cos(0), math.isclose(0.1 + 0.2, 0.3))
print(math.inf, -math.inf, math.isnan(math.nan), math.floor(-0.5), math.fabs(-2), math.gcd(12, 18), math.factorial(10))
print(os.path.join("a", "b", "c.txt"), os.path.basename("/x/y/z.png"), os.path.dirname("/x/y/z.png"), os.path.splitext("img.tar.gz"))
print(path.join("/abs", "p"), os.path.splitext("noext"), os.path.splitext(".hidden"))
print(type(sys.argv), sys.version_info[0] >= 3, type(sys.version))
t0 = time.perf_counter()
t1 = time.perf_counter()
print(t1 >= t0, type(time.time()))
sys.stdout.write("written directly\n")
print(json.dumps({"a": [1, 2.5, None, True], "b": "x"}))
print(json.dumps({"b": 1, "a": {"c": [1, 2]}}, indent=2, sort_keys=True))
data = json.loads('{"name": "dsh", "values": [1, 2.0, -3e2], "ok": true, "none": null}')
print(data, data["values"][2])
print(os.environ.get("DSH_SURELY_UNSET_VAR", "fallback"), type(os.getcwd()))
