"""Checks a model `gym export` wrote with the ONNX project's own tools.

  python check_onnx.py MODEL.onnx RUN.jsonl

- onnx.checker.check_model(full_check=True) passes (with shape inference).
- onnxruntime, given every observation of `gym run --policy --jsonl` (RUN.jsonl), answers the
  action gym took after it: within 1e-5 for box actions, exactly for discrete ones.
- The metadata names the env, its spaces, the gym version and the policy hash.
Prints one line per check; exits 0 when all pass.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime

failures = []


def check(name, passed, detail=""):
    print(("PASS" if passed else "FAIL") + "  " + name + (": " + detail if detail else ""))
    if not passed:
        failures.append(name)


model_path, run_path = sys.argv[1], sys.argv[2]
model = onnx.load(model_path)
try:
    onnx.checker.check_model(model, full_check=True)
    check("onnx.checker.check_model(full_check=True)", True, f"opset {model.opset_import[0].version}, IR {model.ir_version}")
except Exception as error:  # the checker's own exception types vary by version
    check("onnx.checker.check_model(full_check=True)", False, str(error))
metadata = {entry.key: entry.value for entry in model.metadata_props}
check("metadata names the env, spaces, gym version and policy hash",
      all(metadata.get(k) for k in ["env", "observation_space", "action_space", "gym_version", "policy_hash"]), str(metadata))

records = [json.loads(line) for line in open(run_path)]
observations, actions = [], []
for record, following in zip(records, records[1:]):
    if "action" in following and following["episode"] == record["episode"]:
        observations.append(record["obs"])
        actions.append(following["action"])
session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
answered = session.run(["action"], {"observation": np.array(observations, dtype=np.float32)})[0]
if answered.dtype == np.int64:
    mismatches = int(np.sum(answered != np.array(actions)))
    check("onnxruntime takes gym's discrete actions exactly", mismatches == 0,
          f"{len(actions)} observations, {mismatches} different")
else:
    difference = float(np.max(np.abs(answered - np.array(actions, dtype=np.float64))))
    check("onnxruntime takes gym's box actions within 1e-5", difference <= 1e-5,
          f"{len(actions)} observations, largest difference {difference:.2e}")
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
