"""The MNIST loader: IDX parsing, checksums on every load, one clear error per kind of damage; the notebook's
data checks; the raw-pixel counts."""

from __future__ import annotations

import gzip
import hashlib
import shutil

import numpy as np
import pytest
from helpers import TEST_COUNTS, TRAIN_COUNTS, idx_bytes, write_folder

from logistic_softmax.science.data import mnist


def test_small_folder_loads_with_pixels_scaled_and_labels_kept(tmp_path):
    arrays = write_folder(tmp_path / "m")
    split = mnist.load("train", tmp_path / "m")
    assert split.images.shape == (6, 784) and split.images.dtype == np.float32
    np.testing.assert_array_equal(split.images * 255, arrays["train-images-idx3-ubyte"].reshape(6, 784))
    np.testing.assert_array_equal(split.labels, arrays["train-labels-idx1-ubyte"])
    assert mnist.verify(tmp_path / "m") == {"train": 6, "test": 4}


def test_the_project_copy_is_genuine_mnist():
    train, test = mnist.load("train"), mnist.load("test")
    assert train.images.shape == (60000, 784) and test.images.shape == (10000, 784)
    assert np.bincount(train.labels).tolist() == TRAIN_COUNTS
    assert np.bincount(test.labels).tolist() == TEST_COUNTS
    assert train.images.min() == 0.0 and train.images.max() == 1.0


@pytest.mark.parametrize(
    "damage, expected",
    [
        ("flip a byte", "SHA-256 of its uncompressed bytes"),
        ("truncate", "not a complete gzip file"),
        ("not gzip", "not a complete gzip file"),
        ("delete", "not found"),
    ],
)
def test_a_damaged_file_is_named_with_how_to_restore_it(tmp_path, damage, expected):
    root = tmp_path / "m"
    write_folder(root)
    path = root / "t10k-images-idx3-ubyte.gz"
    if damage == "flip a byte":
        raw = bytearray(gzip.decompress(path.read_bytes()))
        raw[100] ^= 0xFF
        path.write_bytes(gzip.compress(bytes(raw)))
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:-20])
    elif damage == "not gzip":
        path.write_bytes(b"<html>not the data</html>")
    else:
        path.unlink()
    with pytest.raises(mnist.MnistError) as err:
        mnist.verify(root)
    message = str(err.value)
    assert str(path) in message and expected in message and "git checkout -- data/mnist/" in message
    with pytest.raises(mnist.MnistError):
        mnist.load("test", root)
    mnist.load("train", root)  # the intact split still loads


def test_headers_that_do_not_describe_the_data_are_refused(tmp_path):
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    bad_magic = b"\x00\x00\x08\x04" + idx_bytes(images)[4:]
    short = idx_bytes(images)[:-5]
    for raw, expected in ((bad_magic, "magic number 0x00000804"), (short, "announces 3x28x28 = 2352 bytes")):
        path = tmp_path / "f.gz"
        path.write_bytes(gzip.compress(raw))
        with pytest.raises(mnist.MnistError, match=expected):
            mnist.read_idx(path, hashlib.sha256(raw).hexdigest())


def test_missing_sums_file_and_missing_line_are_errors(tmp_path):
    root = tmp_path / "m"
    write_folder(root)
    sums = (root / mnist.SUMS_FILE).read_text().splitlines()
    (root / mnist.SUMS_FILE).write_text("\n".join(sums[1:]) + "\n")
    with pytest.raises(mnist.MnistError, match="have no line for train-images-idx3-ubyte"):
        mnist.verify(root)
    (root / mnist.SUMS_FILE).unlink()
    with pytest.raises(mnist.MnistError, match="SHA256SUMS.uncompressed not found"):
        mnist.verify(root)
    with pytest.raises(mnist.MnistError, match="parameter 'mnist_dir': .* is not a folder"):
        mnist.verify(tmp_path / "nowhere")


def test_check_values_checks_the_parameters_that_need_the_data(tmp_path):
    root = tmp_path / "m"
    write_folder(root, n_train=6)
    mnist.check_values({"mnist_dir": str(root), "n_train": 6, "digits": [3, 5]})
    with pytest.raises(mnist.MnistError, match="parameter 'n_train': expected at most the 6 training images, got 7"):
        mnist.check_values({"mnist_dir": str(root), "n_train": 7, "digits": [3, 5]})
    for digits in ([4, 4], [1, 2, 3], [7]):
        with pytest.raises(mnist.MnistError, match="parameter 'digits': expected two different digits"):
            mnist.check_values({"mnist_dir": str(root), "n_train": 6, "digits": digits})
    shutil.rmtree(root)
    with pytest.raises(mnist.MnistError, match="mnist_dir"):
        mnist.check_values({"mnist_dir": str(root), "n_train": 6, "digits": [3, 5]})


def test_subsample_draws_without_replacement_in_order():
    split = mnist.Split(np.arange(20, dtype=np.float32)[:, None], np.arange(20) % 10)
    sub = mnist.subsample(split, 8, np.random.default_rng(1))
    assert sub.n == 8 and np.all(np.diff(sub.images[:, 0]) > 0)
    np.testing.assert_array_equal(sub.labels, sub.images[:, 0].astype(int) % 10)
    assert mnist.subsample(split, 20, np.random.default_rng(1)) is split


def test_scores_dataset_codes_the_classes_in_the_given_order():
    scores = np.arange(12.0).reshape(6, 2)
    labels = np.array([5, 3, 9, 3, 5, 1])
    ds = mnist.scores_dataset(scores, labels, [3, 5])
    assert ds.classes == ("3", "5") and ds.codes.tolist() == [1, 0, 0, 1]
    assert list(ds.X.columns) == ["const", "pc1", "pc2"]
    np.testing.assert_array_equal(ds.X[["pc1", "pc2"]].to_numpy(), scores[[0, 1, 3, 4]])


def test_raw_pixel_design_counts_constant_and_single_class_pixels():
    images = np.zeros((6, 5))
    labels = np.array([0, 0, 1, 1, 2, 2])
    images[:, 1] = [0.2, 0.5, 0.1, 0.9, 0.3, 0.4]  # inked by every class
    images[[0, 1], 2] = [0.7, 0.1]  # only digit 0
    images[4, 3] = 1.0  # only digit 2, one image
    images[:, 4] = 0.5  # constant but not zero
    d = mnist.raw_pixel_design(images, labels, rank=4)
    assert d.constant == [0, 4]
    assert d.single_class == {2: (0, 2), 3: (2, 1)}
    assert (d.columns, d.parameters, d.null_directions) == (6, 12, 4)
    assert d.hessian_gib == pytest.approx(12**2 * 8 / 2**30)


def test_digit_grid_puts_the_first_images_of_each_digit_in_its_row():
    from logistic_softmax.notebook import mnist_figures as figures

    rng = np.random.default_rng(0)
    images, labels = rng.random((40, 784)), np.repeat(np.arange(10), 4)[rng.permutation(40)]
    labels[labels == 7] = 3  # no 7 at all: its row stays blank
    fig = figures.digit_grid(images, labels, per_class=3)
    mosaic = np.ma.getdata(fig.axes[0].images[0].get_array())
    for d in range(10):
        rows = np.flatnonzero(labels == d)[:3]
        for j in range(3):
            block = mosaic[d * 30 : d * 30 + 28, j * 30 : j * 30 + 28]
            if j < len(rows):
                np.testing.assert_array_equal(block, images[rows[j]].reshape(28, 28))
            else:
                assert np.isnan(block).all()
    assert np.isnan(mosaic[28:30]).all() and np.isnan(mosaic[:, 28:30]).all()  # the gaps
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [str(d) for d in range(10)]


def test_a_file_verified_once_is_not_hashed_again_until_it_changes(tmp_path, monkeypatch):
    """The runner's check, the notebook's check and the load share one verification per file (in one process, and
    passed to the kernel through the environment); a file whose size or time changed is hashed again."""
    import json
    import os

    root = tmp_path / "m"
    write_folder(root)
    hashed = []
    real = mnist.hashlib.sha256
    monkeypatch.setattr(mnist.hashlib, "sha256", lambda data: hashed.append(len(data)) or real(data))
    monkeypatch.setattr(mnist, "_VERIFIED", {})
    mnist.verify(root)
    assert len(hashed) == 4
    mnist.verify(root)
    mnist.load("train", root)
    assert len(hashed) == 4
    shared = json.dumps(mnist.verified_files())
    monkeypatch.setattr(mnist, "_VERIFIED", {})  # a new process (the kernel) that was told through the environment
    monkeypatch.setenv(mnist.VERIFIED_ENV, shared)
    mnist.load("test", root)
    assert len(hashed) == 4
    f = root / "t10k-images-idx3-ubyte.gz"
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1))
    mnist.load("test", root)
    assert len(hashed) == 5
