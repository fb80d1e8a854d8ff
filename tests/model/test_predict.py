"""The predict command prints the top-k characters of each image and skips unreadable files."""

from __future__ import annotations

import pytest

from model import predict
from model.data import load_glyph_data
from model.train import train_model


@pytest.fixture(scope="module")
def checkpoint(glyph_dataset, tmp_path_factory):
    from tests.model.conftest import TEST_PARAMS

    out = tmp_path_factory.mktemp("predict") / "ce"
    train_model("cross_entropy", load_glyph_data(glyph_dataset, 16), dict(TEST_PARAMS), out)
    return out / "model.pt"


def test_predict_prints_top_k(checkpoint, glyph_rows, tmp_path, capsys):
    paths = []
    for index, row in enumerate(glyph_rows["test"][:2]):
        path = tmp_path / f"glyph{index}.png"
        path.write_bytes(row["image"]["bytes"])
        paths.append(str(path))
    assert predict.main(["--checkpoint", str(checkpoint), "--top-k", "3", *paths]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for path, line in zip(paths, lines, strict=True):
        name, scores = line.split("\t")
        assert name == path
        pairs = scores.split("  ")
        assert len(pairs) == 3
        values = [float(pair.split(" ")[1]) for pair in pairs]
        assert values == sorted(values, reverse=True)
        assert all(pair.split(" ")[0] in "01IOQl" for pair in pairs)


def test_predict_skips_unreadable_file(checkpoint, glyph_rows, tmp_path, caplog):
    good = tmp_path / "good.png"
    good.write_bytes(glyph_rows["test"][0]["image"]["bytes"])
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    results, skipped = predict.predict_files(
        checkpoint, [str(bad), str(good), str(tmp_path / "absent.png")]
    )
    assert [path for path, _ in results] == [str(good)]
    assert skipped == {"unreadable_image": 2}
    assert "bad.png" in caplog.text


def test_predict_of_only_bad_files_fails(checkpoint, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"")
    assert predict.main(["--checkpoint", str(checkpoint), str(bad)]) == 1


def test_predict_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        predict.predict_files(tmp_path / "none.pt", ["x.png"])


def test_cli_reports_missing_checkpoint_without_traceback(tmp_path, capsys):
    assert predict.main(["--checkpoint", str(tmp_path / "none.pt"), "x.png"]) == 2
    assert "error: checkpoint not found" in capsys.readouterr().err


def test_cli_points_from_resume_state_to_model(checkpoint, tmp_path, capsys):
    last = checkpoint.parent / "last.pt"
    assert predict.main(["--checkpoint", str(last), "x.png"]) == 2
    assert "load the model.pt next to it" in capsys.readouterr().err


def test_cli_rejects_top_k_below_one(checkpoint):
    with pytest.raises(SystemExit):
        predict.parse_args(["--checkpoint", str(checkpoint), "--top-k", "0", "x.png"])
