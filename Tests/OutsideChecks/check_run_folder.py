"""Reads a gym run folder with outside tools and checks it against gym's own log.

  python check_run_folder.py RUN_DIR [--chromium PATH]

- The TensorBoard event file, through TensorBoard's own EventAccumulator: every tag gym
  promises (Stable-Baselines3's names), one value per update, equal to progress.jsonl within
  float32; steps strictly increasing; the settings as a text summary. A copy with one record's
  checksum broken loses every event from that record on (TensorBoard stops reading silently,
  so the events are counted).
- monitor.csv as Stable-Baselines3's Monitor writes it (and its load_results reads it): a JSON
  header line, `r,l,t`, one row per episode; the mean of the last 100 returns equals the log's.
- curves.svg parses as XML and, given --chromium, renders in headless Chromium to a picture
  that is not blank.
Exits 0 when every check passes; prints one line per check.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

# TensorBoard tag -> (progress.jsonl column, sign)
TAGS = {
    "rollout/ep_rew_mean": ("episode_return_mean", 1),
    "rollout/ep_len_mean": ("episode_length_mean", 1),
    "train/approx_kl": ("approx_kl", 1),
    "train/clip_fraction": ("clip_fraction", 1),
    "train/entropy_loss": ("entropy", -1),
    "train/explained_variance": ("explained_variance", 1),
    "train/learning_rate": ("learning_rate", 1),
    "train/loss": ("loss", 1),
    "train/policy_gradient_loss": ("policy_loss", 1),
    "train/value_loss": ("value_loss", 1),
    "train/std": ("action_std", 1),
    "train/clip_range": ("clip_range", 1),
    "train/kl_coef": ("kl_coef", 1),
    "train/grad_norm": ("grad_norm", 1),
    "time/fps": ("steps_per_second", 1),
    "time/iterations": ("update", 1),
    "time/time_elapsed": ("wall_time", 1),
    "eval/mean_reward": ("eval_return_mean", 1),
    "eval/mean_ep_length": ("eval_length_mean", 1),
}

# Off-policy runs (DDPG, TD3, SAC) use SB3's off-policy names; the last two are SAC's only.
OFF_POLICY_TAGS = {
    "rollout/ep_rew_mean": ("episode_return_mean", 1),
    "rollout/ep_len_mean": ("episode_length_mean", 1),
    "train/actor_loss": ("policy_loss", 1),
    "train/critic_loss": ("value_loss", 1),
    "train/learning_rate": ("learning_rate", 1),
    "time/fps": ("steps_per_second", 1),
    "time/iterations": ("update", 1),
    "time/time_elapsed": ("wall_time", 1),
    "eval/mean_reward": ("eval_return_mean", 1),
    "eval/mean_ep_length": ("eval_length_mean", 1),
    "train/ent_coef": ("ent_coef", 1),
    "train/entropy": ("entropy", 1),
}

failures = []


def check(name, passed, detail=""):
    print(("PASS" if passed else "FAIL") + "  " + name + (": " + detail if detail else ""))
    if not passed:
        failures.append(name)


def float32_close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(b)) or abs(a - b) <= abs(b) * 2 ** -23 * 2


def load(folder):
    accumulator = EventAccumulator(folder, size_guidance={"scalars": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def main():
    folder = sys.argv[1]
    chromium = sys.argv[sys.argv.index("--chromium") + 1] if "--chromium" in sys.argv else None
    records = [json.loads(line) for line in open(os.path.join(folder, "progress.jsonl"))]
    updates = [r["update"] for r in records]
    check("progress.jsonl has one record per update, in order, without gaps",
          updates == list(range(1, len(updates) + 1)), f"{len(updates)} updates")

    events = load(folder)
    scalar_tags = set(events.Tags()["scalars"])
    settings = json.load(open(os.path.join(folder, "settings.json")))
    algorithm = settings.get("algorithm", "ppo")
    if algorithm == "ppo":
        tags, loss_tag = TAGS, "train/value_loss"
        is_box = any(r.get("action_std") is not None for r in records)
        expected = {t for t in TAGS if t != "train/std" or is_box}
    else:
        tags, loss_tag = OFF_POLICY_TAGS, "train/critic_loss"
        expected = {t for t in OFF_POLICY_TAGS if algorithm == "sac" or t not in ("train/ent_coef", "train/entropy")}
    check(f"the event file has every SB3 tag ({algorithm})", expected <= scalar_tags, f"missing {sorted(expected - scalar_tags)}")
    for tag in sorted(expected & scalar_tags):
        column, sign = tags[tag]
        logged = [(r["timesteps"], sign * r[column]) for r in records
                  if r.get(column) is not None and math.isfinite(r[column])]
        got = [(e.step, e.value) for e in events.Scalars(tag)]
        same_steps = [s for s, _ in got] == [s for s, _ in logged]
        same_values = same_steps and all(float32_close(a, b) for (_, a), (_, b) in zip(got, logged))
        check(f"{tag} equals progress.jsonl's {column} at every update", same_steps and same_values,
              f"{len(got)} values" if same_values else f"event file {got[:3]}..., log {logged[:3]}...")
    steps = [e.step for e in events.Scalars(loss_tag)]
    check("steps strictly increase (no duplicate or rewound steps)", all(a < b for a, b in zip(steps, steps[1:])),
          f"{steps[0]}..{steps[-1]}")
    texts = events.Tags()["tensors"]
    settings_text = events.Tensors("settings")[0].tensor_proto.string_val[0].decode() if "settings" in texts else ""
    check("the settings are a text summary", "| learning_rate |" in settings_text)

    # One broken checksum: TensorBoard drops that record and every later one.
    with tempfile.TemporaryDirectory() as scratch:
        name = [n for n in os.listdir(folder) if n.startswith("events.out.tfevents.")][0]
        data = bytearray(open(os.path.join(folder, name), "rb").read())
        offsets, offset = [], 0
        while offset + 12 <= len(data):
            length = int.from_bytes(data[offset:offset + 8], "little")
            offsets.append(offset)
            offset += 16 + length
        middle = offsets[len(offsets) // 2]

        def count_updates(blob, subfolder):
            os.makedirs(os.path.join(scratch, subfolder))
            open(os.path.join(scratch, subfolder, name), "wb").write(blob)
            reader = load(os.path.join(scratch, subfolder))
            return len(reader.Scalars(loss_tag)) if loss_tag in reader.Tags()["scalars"] else 0

        before = count_updates(bytes(data[:middle]), "cut")
        data[middle + 12] ^= 0x01
        kept = count_updates(bytes(data), "broken")
        check("a corrupted checksum loses the events from that record on", kept == before < len(steps),
              f"{kept} of {len(steps)} updates read, {before} before the broken record")

    lines = open(os.path.join(folder, "monitor.csv")).read().splitlines()
    header = json.loads(lines[0][1:]) if lines and lines[0].startswith("#") else {}
    check("monitor.csv opens with SB3's JSON header and r,l,t",
          "t_start" in header and "env_id" in header and lines[1] == "r,l,t", lines[0])
    rows = [tuple(float(x) for x in line.split(",")) for line in lines[2:]]
    check("monitor.csv has one row per finished episode", len(rows) == records[-1]["episodes"],
          f"{len(rows)} rows, {records[-1]['episodes']} episodes logged")
    times = [t for _, _, t in rows]
    check("monitor.csv times never go back", all(a <= b for a, b in zip(times, times[1:])))
    last = [r for r, _, _ in rows[-100:]]
    mean = sum(last) / len(last)
    check("the mean of the last 100 monitor returns is the log's return", abs(mean - records[-1]["episode_return_mean"]) < 1e-4,
          f"{mean} vs {records[-1]['episode_return_mean']}")

    svg_path = os.path.join(folder, "curves.svg")
    root = ElementTree.parse(svg_path).getroot()
    check("curves.svg is well-formed SVG", root.tag == "{http://www.w3.org/2000/svg}svg")
    if chromium:
        from PIL import Image
        with tempfile.TemporaryDirectory() as scratch:
            png = os.path.join(scratch, "curves.png")
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--user-data-dir={scratch}/profile", f"--screenshot={png}", "--window-size=1000,900",
                            "file://" + os.path.abspath(svg_path)], check=True, capture_output=True, timeout=120)
            image = Image.open(png).convert("RGB")
            counts = image.getcolors(1 << 24)
            white = sum(n for n, colour in counts if colour == (255, 255, 255))
            inked = 1 - white / (image.width * image.height)
            colours = len(counts)
            check("curves.svg renders in headless Chromium, not blank", inked > 0.02 and colours > 50,
                  f"{inked:.1%} of pixels drawn, {colours} colours")

    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


main()
