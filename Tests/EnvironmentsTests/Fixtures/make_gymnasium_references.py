"""Writes gymnasium_references.json: trajectories of Gymnasium's classic-control envs from set
start states under set action sequences, for the parity tests in EnvironmentsTests.

Run by hand (pip install gymnasium numpy); the JSON is committed and the tests never need Python:
    python3 Tests/EnvironmentsTests/Fixtures/make_gymnasium_references.py
Box actions are float64 arrays, so Gymnasium computes in float64 as the Lua envs do.
"""
import json
import pathlib

import gymnasium as gym
import numpy as np


def trajectory(env_id, start, actions):
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    env.state = np.array(start, dtype=np.float64)
    states, observations, rewards, terminated = [], [], [], []
    for action in actions:
        if isinstance(action, list):
            action = np.array(action, dtype=np.float64)
        obs, reward, term, _, _ = env.step(action)
        states.append([float(x) for x in env.state])
        observations.append([float(x) for x in obs])
        rewards.append(float(reward))
        terminated.append(bool(term))
        if term:
            break
    return {"start": start, "actions": actions[: len(states)], "states": states,
            "observations": observations, "rewards": rewards, "terminated": terminated}


def mountain_car_bang_bang(start, steps):
    """Actions that push along the velocity: reaches the goal, exercising the 100 bonus."""
    env = gym.make("MountainCarContinuous-v0").unwrapped
    env.reset(seed=0)
    env.state = np.array(start, dtype=np.float64)
    actions = []
    for _ in range(steps):
        action = [1.0 if env.state[1] >= 0 else -1.0]
        actions.append(action)
        _, _, term, _, _ = env.step(np.array(action))
        if term:
            break
    return actions


def main():
    rng = np.random.default_rng(2024)
    cases = {"pendulum": [], "cartpole": [], "mountaincar_continuous": [], "acrobot": []}
    for start in ([np.pi, 0.0], [0.1, -0.5], [-2.5, 7.5]):
        actions = [[float(a)] for a in rng.uniform(-3.0, 3.0, size=120)]  # beyond +-2: clipped
        cases["pendulum"].append(trajectory("Pendulum-v1", start, actions))
    for start in ([0.0, 0.0, 0.0, 0.0], [0.03, -0.02, 0.04, 0.01], [-1.0, 0.5, -0.1, 0.3]):
        actions = [int(a) for a in rng.integers(0, 2, size=200)]
        cases["cartpole"].append(trajectory("CartPole-v1", start, actions))
    for start in ([-0.5, 0.0], [-1.1, -0.05]):
        actions = [[float(a)] for a in rng.uniform(-1.5, 1.5, size=300)]
        cases["mountaincar_continuous"].append(trajectory("MountainCarContinuous-v0", start, actions))
    start = [-0.45, 0.0]
    cases["mountaincar_continuous"].append(
        trajectory("MountainCarContinuous-v0", start, mountain_car_bang_bang(start, 999)))
    for start in ([0.0, 0.0, 0.0, 0.0], [0.05, -0.08, 0.02, 0.09], [1.0, -2.0, 3.0, -4.0]):
        actions = [int(a) for a in rng.integers(0, 3, size=60)]
        cases["acrobot"].append(trajectory("Acrobot-v1", start, actions))
    out = pathlib.Path(__file__).with_name("gymnasium_references.json")
    out.write_text(json.dumps({"gymnasium": gym.__version__, "cases": cases}, indent=0) + "\n")


if __name__ == "__main__":
    main()
