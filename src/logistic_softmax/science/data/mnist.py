"""MNIST from the IDX files in ``data/mnist/``: checked against their SHA-256 sums on every load.

The folder holds the four gzip-compressed IDX files and ``SHA256SUMS.uncompressed``, the SHA-256 of each file's
*uncompressed* bytes (gzip headers differ between copies of the data set, the payload does not). IDX layout: a
big-endian int32 magic number (``0x00000801`` for a vector of labels, ``0x00000803`` for a stack of images), int32
dimension sizes (count, then rows and columns for images), then the unsigned bytes in row-major order.

Any other folder in the same layout (Fashion-MNIST, say, with its own sums file) loads the same way.

Every problem raises :class:`MnistError`, one message naming the file, what was wrong and how to restore it.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DataError
from ...paths import data_dir
from .tables import Dataset

__all__ = [
    "MnistError",
    "Split",
    "default_dir",
    "VERIFIED_ENV",
    "verified_files",
    "SUMS_FILE",
    "FILES",
    "folder",
    "read_idx",
    "load",
    "verify",
    "check_values",
    "subsample",
    "scores_dataset",
    "RawPixelDesign",
    "raw_pixel_design",
]

SUMS_FILE = "SHA256SUMS.uncompressed"
#: (split, part) -> file name without ``.gz``
FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
_MAGIC = {0x00000801: 1, 0x00000803: 3}  # unsigned-byte data with 1 or 3 dimensions
_RESTORE = (
    "restore the project's copy with `git checkout -- data/mnist/`, or copy the four files and "
    f"{SUMS_FILE} from an intact MNIST source"
)


def default_dir() -> Path:
    """The project's own copy of MNIST, ``data/mnist``."""
    return data_dir() / "mnist"


#: Files already checked, in this process or in another of the same run (the runner, before the kernel started:
#: the environment variable holds ``{path: [size, mtime_ns, sha256, length]}``): a file whose size and modification
#: time still match is not checked again.
VERIFIED_ENV = "LOGISTIC_SOFTMAX_VERIFIED"
_VERIFIED: dict[str, tuple] = {}


def _stat_key(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _verified_length(path: Path, sha256: str) -> int | None:
    """The first dimension of a file already checked against ``sha256`` and unchanged since, else ``None``."""
    import json
    import os

    known = dict(_VERIFIED)
    with_env = os.environ.get(VERIFIED_ENV)
    if with_env:
        try:
            known.update({k: tuple(v) for k, v in json.loads(with_env).items()})
        except (ValueError, TypeError, AttributeError):
            pass
    entry = known.get(str(path.resolve()))
    if entry is None or len(entry) != 4 or not path.is_file() or tuple(entry[:2]) != _stat_key(path):
        return None
    return int(entry[3]) if entry[2] == sha256 else None


def verified_files() -> dict[str, list]:
    """The files this process has verified, for :data:`VERIFIED_ENV`."""
    return {k: list(v) for k, v in _VERIFIED.items()}


class MnistError(DataError):
    """An MNIST file is missing, unreadable, or not the file its checksum names."""


@dataclass(frozen=True)
class Split:
    """One split of MNIST: ``images`` (n x 784 float32 in [0, 1]) and ``labels`` (n int64 in 0..9)."""

    images: np.ndarray
    labels: np.ndarray

    @property
    def n(self) -> int:
        return len(self.labels)


def folder(mnist_dir: str | Path = "", param: str = "mnist_dir") -> Path:
    """The folder to read: ``mnist_dir``, or the project's ``data/mnist`` when it is empty."""
    path = Path(mnist_dir).expanduser() if str(mnist_dir) else default_dir()
    if not path.is_dir():
        raise MnistError(
            f"parameter '{param}': {path} is not a folder (expected a folder holding the four MNIST IDX .gz files "
            f"and {SUMS_FILE}; relative paths start at {Path.cwd()})"
        )
    return path


def _sums(root: Path) -> dict[str, str]:
    path = root / SUMS_FILE
    if not path.is_file():
        raise MnistError(f"MNIST checksums {path} not found; {_RESTORE}")
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def read_idx(path: str | Path, sha256: str | None = None) -> np.ndarray:
    """Read one gzip-compressed IDX file of unsigned bytes; check the SHA-256 of its uncompressed bytes.

    Returns the uint8 array with the shape the header gives. Raises :class:`MnistError` when the file is missing,
    is not gzip, is truncated, has a header that does not describe its data, or has another checksum.
    """
    path = Path(path)
    if not path.is_file():
        raise MnistError(f"MNIST file {path} not found; {_RESTORE}")
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; a cut file is an EOFError
        raise MnistError(f"MNIST file {path} is not a complete gzip file ({exc}); {_RESTORE}") from None
    if sha256 is not None and _verified_length(path, sha256) is None:
        got = hashlib.sha256(raw).hexdigest()
        if got != sha256:
            raise MnistError(
                f"MNIST file {path}: the SHA-256 of its uncompressed bytes is {got}, {SUMS_FILE} expects {sha256} "
                f"(the file is altered or truncated); {_RESTORE}"
            )
    if len(raw) < 8:
        raise MnistError(f"MNIST file {path} holds {len(raw)} bytes, less than an IDX header; {_RESTORE}")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in _MAGIC:
        raise MnistError(
            f"MNIST file {path}: magic number 0x{magic:08x} is not an IDX file of unsigned bytes "
            f"(expected 0x00000801 for labels or 0x00000803 for images); {_RESTORE}"
        )
    ndim = _MAGIC[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise MnistError(f"MNIST file {path}: the header is cut short ({len(raw)} bytes); {_RESTORE}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape))
    if len(raw) - header != size:
        raise MnistError(
            f"MNIST file {path}: the header announces {'x'.join(map(str, shape))} = {size} bytes of data, the file "
            f"holds {len(raw) - header}; {_RESTORE}"
        )
    if sha256 is not None:
        _VERIFIED[str(path.resolve())] = (*_stat_key(path), sha256, shape[0])
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _read(root: Path, split: str, part: str, sums: dict[str, str]) -> np.ndarray:
    name = FILES[(split, part)]
    if name not in sums:
        raise MnistError(f"MNIST checksums {root / SUMS_FILE} have no line for {name}; {_RESTORE}")
    return read_idx(root / f"{name}.gz", sums[name])


def load(split: str, mnist_dir: str | Path = "") -> Split:
    """Load the ``"train"`` or ``"test"`` split, verified against the checksums; pixels scaled to [0, 1]."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = folder(mnist_dir)
    sums = _sums(root)
    images = _read(root, split, "images", sums)
    labels = _read(root, split, "labels", sums)
    if images.ndim != 3 or labels.ndim != 1:
        raise MnistError(f"MNIST folder {root}: the {split} images or labels file has the other kind of data")
    if len(images) != len(labels):
        raise MnistError(f"MNIST folder {root}: {len(images)} {split} images but {len(labels)} labels; {_RESTORE}")
    if labels.size and labels.max() > 9:
        raise MnistError(f"MNIST folder {root}: a {split} label is {labels.max()}, expected digits 0-9")
    pixels = images.reshape(len(images), -1).astype(np.float32)
    pixels /= np.float32(255.0)
    return Split(pixels, labels.astype(np.int64))


def verify(mnist_dir: str | Path = "", param: str = "mnist_dir") -> dict[str, int]:
    """Check every file of the folder (presence, gzip, header, checksum) without keeping the data.

    Returns the number of images of each split.
    """
    root = folder(mnist_dir, param)
    sums = _sums(root)
    counts = {}
    for split, part in FILES:
        name = FILES[(split, part)]
        known = _verified_length(root / f"{name}.gz", sums[name]) if name in sums else None
        n = known if known is not None else len(_read(root, split, part, sums))
        if counts.setdefault(split, n) != n:
            raise MnistError(f"MNIST folder {root}: {counts[split]} {split} images but {n} labels; {_RESTORE}")
    return counts


def check_values(values: dict[str, Any]) -> None:
    """The checks of the MNIST notebook's parameters that need the data or more than one value: every file intact,
    ``n_train`` no more than the training images, ``digits`` two different digits. Raises :class:`MnistError`."""
    counts = verify(values.get("mnist_dir", ""))
    n_train = values.get("n_train")
    if n_train is not None and n_train > counts["train"]:
        raise MnistError(f"parameter 'n_train': expected at most the {counts['train']} training images, got {n_train}")
    digits = values.get("digits")
    if digits is not None and (len(digits) != 2 or digits[0] == digits[1]):
        raise MnistError(f"parameter 'digits': expected two different digits 0-9, such as [3, 5], got {digits}")


def subsample(split: Split, n: int, rng: np.random.Generator) -> Split:
    """``n`` images drawn without replacement (kept in their original order); the split itself when ``n`` is all."""
    if n >= split.n:
        return split
    rows = np.sort(rng.choice(split.n, size=n, replace=False))
    return Split(split.images[rows], split.labels[rows])


def scores_dataset(scores, labels, classes: list[int], *, name: str = "mnist") -> Dataset:
    """Principal-component scores as a :class:`.tables.Dataset` for the GLM fits: a constant and
    ``pc1 ... pck`` as predictors, the rows whose digit is in ``classes``, coded in that order."""
    labels = np.asarray(labels)
    rows = np.isin(labels, classes)
    k = np.asarray(scores).shape[1]
    names = tuple(f"pc{j + 1}" for j in range(k))
    X = pd.DataFrame(np.asarray(scores, dtype=np.float64)[rows], columns=list(names))
    X.insert(0, "const", 1.0)
    lookup = np.full(max(int(labels.max()), max(classes)) + 1, -1, dtype=np.int64)
    lookup[list(classes)] = np.arange(len(classes))
    codes = lookup[labels[rows]]
    classes_text = tuple(str(c) for c in classes)
    return Dataset(name, "MNIST principal-component scores", "digit", names, X, codes, classes_text, 0)


@dataclass(frozen=True)
class RawPixelDesign:
    """Why softmax regression on raw pixels has no standard errors: the design and its separation, counted."""

    n: int  # images
    pixels: int
    classes: int
    constant: list[int]  # pixels with one value in every image
    rank: int  # of the design [1, pixels]
    single_class: dict[int, tuple[int, int]]  # pixel -> (the only digit whose images ink it, how many images)

    @property
    def columns(self) -> int:
        return self.pixels + 1

    @property
    def parameters(self) -> int:
        return self.columns * (self.classes - 1)

    @property
    def null_directions(self) -> int:
        """Directions in parameter space the likelihood does not depend on: (columns - rank) per non-reference class."""
        return (self.columns - self.rank) * (self.classes - 1)

    @property
    def hessian_gib(self) -> float:
        return self.parameters**2 * 8 / 2**30


def raw_pixel_design(images, labels, rank: int) -> RawPixelDesign:
    """Count constant pixels and pixels inked (non-zero) only in images of one digit; ``rank`` is the rank of the
    design with its constant (1 + the rank of the centred pixels, e.g. from :meth:`PCA.rank`)."""
    images, labels = np.asarray(images), np.asarray(labels)
    constant = np.flatnonzero(images.max(axis=0) == images.min(axis=0)).tolist()
    classes = int(labels.max()) + 1
    single: dict[int, tuple[int, int]] = {}
    inked = np.stack([(images[labels == c] != 0).any(axis=0) for c in range(classes)])
    for j in np.flatnonzero(inked.sum(axis=0) == 1):
        c = int(np.flatnonzero(inked[:, j])[0])
        single[int(j)] = (c, int((images[labels == c, j] != 0).sum()))
    return RawPixelDesign(len(labels), images.shape[1], classes, constant, int(rank), single)
