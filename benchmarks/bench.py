"""Benchmarks of the MNIST models against their anchors, in one run: ``make bench`` (needs the ``bench`` extra).

1. The 784-100-10 network (float32, batch 128, SGD with momentum 0.9, logistic hidden units) against the same
   network in PyTorch on the CPU with the same number of threads: seconds per epoch, measured alternately (ours,
   PyTorch, ours, ...) so that a change in the machine's speed affects both; and against the floor, the FLOPs an
   epoch cannot avoid divided by this machine's float32 matrix-multiply rate. That rate is measured on the
   epoch's own products (128-row minibatches), so the floor is the time of those products alone; the rate of
   one large 2048 x 2048 product, which no 128-row product reaches, is recorded next to it with the ratio it
   would give. Then the test accuracy of the notebook's default training, median of three seeds.
2. Softmax regression: the time our SGD needs to reach the test accuracy of scikit-learn's
   ``LogisticRegression(C=0.1)``, against scikit-learn's fit time.
3. statsmodels ``MNLogit`` on 50 principal components: the project's wrapper (``glm.fit_mnlogit``) against calling
   statsmodels directly, alternately; and the report's fit (``mnist_models.mnlogit_start``, then statsmodels from
   that start) against the same direct call.
4. The 05_mnist notebook with its defaults, through the runner: seconds and peak memory.

Results go to ``benchmarks/results.json`` and are printed. Targets (from the issue that asked for them):
ratio_vs_torch <= 0.5, ratio_vs_floor <= 1.5, two_layer_test_accuracy_median >= 0.98, ratio_vs_sklearn <= 1/8.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from logistic_softmax.runner import cli as runner
from logistic_softmax.science import glm, mlp, mnist_models
from logistic_softmax.science.data import mnist
from logistic_softmax.science.pca import PCA

HERE = Path(__file__).resolve().parent
# the notebook's defaults (notebooks/05_mnist.ipynb)
TWO_LAYER = {"epochs": 50, "batch_size": 128, "learning_rate": 0.5, "momentum": 0.9, "weight_decay": 1e-4}
SOFTMAX = {"epochs": 20, "batch_size": 128, "learning_rate": 0.1, "momentum": 0.9}
TARGETS = {
    "ratio_vs_torch": 0.5,
    "ratio_vs_floor": 1.5,
    "two_layer_test_accuracy_median": 0.98,
    "ratio_vs_sklearn": 1 / 8,
}


def blas_threads() -> int:
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return max(counts) if counts else 1


def matmul_rate(n: int = 2048, repeats: int = 7) -> float:
    """float32 FLOP/s of one large n x n matrix product (median of ``repeats``), with NumPy's BLAS threads: the
    machine's best case, which products of a 128-row minibatch do not reach."""
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    A @ B
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        A @ B
        times.append(time.perf_counter() - t)
    return 2 * n**3 / statistics.median(times)


def epoch_matmul_rate(sizes: list[int], n: int, batch: int = 128, repeats: int = 5) -> float:
    """float32 FLOP/s of the matrix products one epoch performs, with their shapes and memory layouts (per
    minibatch: every layer's forward product and weight gradient, and the product back into every hidden layer),
    on random data and with nothing else in between: median of ``repeats`` epochs' worth."""
    rng = np.random.default_rng(0)
    W = [rng.random((a, b), dtype=np.float32) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    A = [rng.random((batch, k), dtype=np.float32) for k in sizes]  # each layer's input/output
    D = [np.empty((batch, k), np.float32) for k in sizes]
    G = [np.empty_like(w) for w in W]

    def epoch() -> float:
        t = time.perf_counter()
        for _ in range(0, n, batch):
            for layer, w in enumerate(W):
                np.matmul(A[layer], w, out=A[layer + 1])
            for layer in reversed(range(len(W))):
                np.matmul(A[layer].T, A[layer + 1], out=G[layer])
                if layer > 0:
                    np.matmul(A[layer + 1], W[layer].T, out=D[layer])
        return time.perf_counter() - t

    epoch()
    seconds = statistics.median(epoch() for _ in range(repeats))
    return mlp.flops_per_epoch(sizes, n) / seconds


def torch_epoch(X, y, threads: int, seed: int):
    """A closure that trains one epoch of the same network in PyTorch and returns its seconds."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.Sigmoid(), torch.nn.Linear(100, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(seed)

    def epoch() -> float:
        t = time.perf_counter()
        order = torch.randperm(len(yt), generator=gen)
        for s in range(0, len(yt), 128):
            idx = order[s : s + 128]
            opt.zero_grad(set_to_none=True)
            lossf(net(Xt[idx]), yt[idx]).backward()
            opt.step()
        return time.perf_counter() - t

    return epoch


def ours_epoch(X, y, seed: int):
    rng = np.random.default_rng(seed)
    net = mlp.two_layer(784, 100, 10, rng)

    def epoch() -> float:
        h = mlp.train(
            net, X, y, epochs=1, batch_size=128, learning_rate=0.1, momentum=0.9, schedule="constant", rng=rng
        )
        return h.seconds[0]

    return epoch


def alternate(a, b, repeats: int) -> tuple[list[float], list[float]]:
    a(), b()  # warm-up
    ta, tb = [], []
    for _ in range(repeats):
        ta.append(a())
        tb.append(b())
    return ta, tb


def bench_two_layer(train, test, threads: int, repeats: int, seeds: int) -> dict:
    X, y = train.images, train.labels
    ours, torch_ = alternate(ours_epoch(X, y, 0), torch_epoch(X, y, threads, 0), repeats)
    sizes = [784, 100, 10]
    flops = mlp.flops_per_epoch(sizes, len(y))
    rate, large = epoch_matmul_rate(sizes, len(y)), matmul_rate()
    accs, per_epoch = [], []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        net = mlp.two_layer(784, 100, 10, rng)
        h = mlp.train(net, X, y, rng=rng, evaluate_on={"test": (test.images, test.labels)}, **TWO_LAYER)
        accs.append(h.accuracy["test"][-1])
        per_epoch.append(h.train_seconds / h.epochs)
        print(f"  two-layer, seed {seed}: test accuracy {accs[-1]:.4f} after {h.epochs} epochs", flush=True)
    ours_s, torch_s = statistics.median(ours), statistics.median(torch_)
    return {
        "two_layer_seconds_per_epoch": ours_s,
        "torch_seconds_per_epoch": torch_s,
        "ratio_vs_torch": ours_s / torch_s,
        "matmul_gflops": rate / 1e9,
        "floor_gflop_per_epoch": flops / 1e9,
        "floor_seconds_per_epoch": flops / rate,
        "ratio_vs_floor": ours_s / (flops / rate),
        "matmul_gflops_large": large / 1e9,
        "floor_seconds_per_epoch_at_large_rate": flops / large,
        "ratio_vs_floor_at_large_rate": ours_s / (flops / large),
        "two_layer_test_accuracy_median": statistics.median(accs),
        "two_layer_test_accuracies": accs,
        "two_layer_seconds_per_epoch_in_accuracy_runs": per_epoch,
        "two_layer_epoch_samples": ours,
        "torch_epoch_samples": torch_,
    }


def bench_softmax(train, test) -> dict:
    from sklearn.linear_model import LogisticRegression

    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = LogisticRegression(C=0.1).fit(train.images, train.labels)
    sk_seconds = time.perf_counter() - t
    sk_acc = float((clf.predict(test.images) == test.labels).mean())
    print(f"  scikit-learn LogisticRegression(C=0.1): {sk_acc:.4f} in {sk_seconds:.1f} s", flush=True)

    return _softmax_time_to(train, test, sk_acc) | {
        "sklearn_seconds": sk_seconds,
        "sklearn_test_accuracy": sk_acc,
        "sklearn_warnings": sorted({str(w.message).splitlines()[0] for w in caught}),
    }


def _softmax_time_to(train, test, target: float) -> dict:
    """Train the softmax layer with the notebook's defaults; the time (training plus the test evaluation after each
    epoch, which is what tells when) until its test accuracy first reaches ``target``."""
    rng = np.random.default_rng(0)
    net = mlp.softmax_regression(784, 10)
    hist = mlp.train(  # the evaluation in the training thread: the elapsed times below add up
        net, train.images, train.labels, rng=rng, evaluate_on={"test": (test.images, test.labels)}, background=False,
        **SOFTMAX
    )
    elapsed = np.cumsum(np.add(hist.seconds, hist.eval_seconds))
    first = next((float(t) for t, acc in zip(elapsed, hist.accuracy["test"], strict=True) if acc >= target), None)
    final = hist.accuracy["test"][-1]
    print(
        f"  softmax layer (SGD): {final:.4f} after {hist.epochs} epochs; target {target:.4f} "
        + (f"reached at {first:.2f} s" if first is not None else "not reached"),
        flush=True,
    )
    return {
        "softmax_seconds_to_sklearn_accuracy": first,
        "softmax_test_accuracy": final,
        "softmax_accuracy_by_epoch": hist.accuracy["test"],
    }


def bench_mnlogit(train, repeats: int) -> dict:
    import statsmodels.api as sm

    pca = PCA.fit(train.images, 50)
    ds = mnist.scores_dataset(pca.transform(train.images), train.labels, list(range(10)))

    def wrapper() -> float:
        t = time.perf_counter()
        glm.fit_mnlogit(ds, "0")
        return time.perf_counter() - t

    def direct() -> float:
        t = time.perf_counter()
        sm.MNLogit(ds.codes, ds.X).fit(method="newton", maxiter=100, disp=0)
        return time.perf_counter() - t

    def warm() -> float:
        t = time.perf_counter()
        B = mnist_models.mnlogit_start(ds.X.to_numpy(), ds.codes, 10)
        sm.MNLogit(ds.codes, ds.X).fit(method="newton", maxiter=100, disp=0, start_params=B.ravel(order="F"))
        return time.perf_counter() - t

    ours, theirs, warmed = [], [], []
    for _ in range(repeats):  # no warm-up: each fit is seconds long
        ours.append(wrapper())
        theirs.append(direct())
        warmed.append(warm())
    o, d, w = statistics.median(ours), statistics.median(theirs), statistics.median(warmed)
    return {
        "mnlogit_wrapper_seconds": o,
        "mnlogit_direct_seconds": d,
        "mnlogit_wrapper_ratio": o / d,
        "mnlogit_warm_start_seconds": w,
        "mnlogit_warm_start_ratio": w / d,
        "mnlogit_wrapper_samples": ours,
        "mnlogit_direct_samples": theirs,
        "mnlogit_warm_start_samples": warmed,
    }


def bench_notebook() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        code = runner.main(["run", "--notebook", "05_mnist", "--reports", tmp])
        if code != 0:
            return {"notebook_status": "failed"}
        rec = json.loads((Path(tmp) / "05_mnist.json").read_text())
    return {
        "notebook_seconds": rec["seconds"],
        "notebook_peak_memory_mib": rec["metrics"]["peak_memory_mib"],
        "notebook_status": "ok",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="alternating repeats of the per-epoch timing")
    ap.add_argument("--seeds", type=int, default=3, help="seeds of the accuracy runs")
    ap.add_argument("--skip-notebook", action="store_true", help="do not render 05_mnist")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    args = ap.parse_args(argv)
    threads = blas_threads()
    train, test = mnist.load("train"), mnist.load("test")
    results: dict = {
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
    }
    print(f"two-layer network against PyTorch ({threads} threads each) ...", flush=True)
    results |= bench_two_layer(train, test, threads, args.repeats, args.seeds)
    print("softmax regression against scikit-learn ...", flush=True)
    results |= bench_softmax(train, test)
    sk, ours = results["sklearn_seconds"], results["softmax_seconds_to_sklearn_accuracy"]
    results["ratio_vs_sklearn"] = ours / sk if ours is not None else None
    print("MNLogit: the wrapper and the report's warm start against statsmodels directly ...", flush=True)
    results |= bench_mnlogit(train, repeats=3)
    if not args.skip_notebook:
        print("05_mnist with its defaults ...", flush=True)
        results |= bench_notebook()
    import sklearn
    import torch

    results["versions"] = {
        "numpy": np.__version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "python": sys.version.split()[0],
    }
    results["targets"] = {
        k: {
            "target": v,
            "value": results.get(k),
            "met": results.get(k) is not None and (results[k] >= v if "accuracy" in k else results[k] <= v),
        }
        for k, v in TARGETS.items()
    }
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print("\nresults:")
    for k in (
        "two_layer_seconds_per_epoch",
        "torch_seconds_per_epoch",
        "ratio_vs_torch",
        "floor_seconds_per_epoch",
        "ratio_vs_floor",
        "two_layer_test_accuracy_median",
        "softmax_seconds_to_sklearn_accuracy",
        "sklearn_seconds",
        "ratio_vs_sklearn",
        "mnlogit_wrapper_ratio",
        "mnlogit_warm_start_ratio",
        "notebook_seconds",
        "notebook_peak_memory_mib",
    ):
        v = results.get(k)
        print(f"  {k:38s} {v:.4g}" if isinstance(v, float) else f"  {k:38s} {v}")
    for k, t in results["targets"].items():
        print(
            f"  target {k}: {t['value'] if t['value'] is None else round(t['value'], 4)} vs {t['target']:.4g}: "
            f"{'met' if t['met'] else 'NOT met'}"
        )
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
