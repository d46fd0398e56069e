import json
config = {"_class_name": "DDPMScheduler", "beta_end": 0.02, "beta_schedule": "linear", "beta_start": 0.0001,
          "clip_sample": True, "num_train_timesteps": 1000, "trained_betas": None, "nested": [1, [2, 3]]}
text = json.dumps(config, indent=2)
print(text)
back = json.loads(text)
print(back == config, back["beta_start"], type(back["num_train_timesteps"]).__name__)
print(json.dumps([1, "two", 3.0]), json.dumps("quote\"d"), json.dumps({}), json.dumps([]))
try:
    json.loads("{bad json}")
except ValueError:
    print("decode error")
import os
os.makedirs("/tmp/dsh_json_conf", exist_ok=True)
p = os.path.join("/tmp/dsh_json_conf", "cfg.json")
with open(p, "w") as f:
    json.dump({"steps": 50, "eta": 0.0, "names": ["unet", "vae"]}, f, indent=2)
with open(p) as f:
    loaded = json.load(f)
print(loaded, os.listdir("/tmp/dsh_json_conf"))
os.remove(p)
