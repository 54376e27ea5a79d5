"""``bpwidgets lessons``: fresh student copies in a working folder, edits never lost."""

from __future__ import annotations

import shutil

from bpwidgets.cli import main
from bpwidgets.lessons import SOURCE_DIR, STUDENT_DIR, lesson_files
from bpwidgets.lessons.handout import MANIFEST, hand_out

SECRETS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "HIDDEN TESTS")


def test_round_trip_hands_out_keeps_edits_and_resets_on_request(tmp_path, capsys):
    folder = tmp_path / "bpwidgets-lessons"
    assert main(["lessons", str(folder)]) == 0
    lessons = lesson_files(STUDENT_DIR)
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [p.name for p in lessons]
    for lesson in lessons:
        assert (folder / lesson.name).read_bytes() == lesson.read_bytes()

    edited = folder / lessons[1].name
    edited.write_text(edited.read_text() + " ", encoding="utf-8")  # a student saved their work
    assert main(["lessons", str(folder)]) == 0
    assert edited.read_text().endswith(" "), "an edited copy was overwritten"
    assert f"kept your edited {edited}" in capsys.readouterr().out

    assert main(["lessons", str(folder), "--reset", lessons[1].stem[:2]]) == 0
    assert edited.read_bytes() == lessons[1].read_bytes()
    backup = folder / f"{lessons[1].stem}.before-reset.ipynb"
    assert backup.read_text().endswith(" "), "the edited copy must survive a reset as a backup"


def test_unedited_copies_follow_a_new_version_and_edited_ones_stay(tmp_path):
    package = tmp_path / "package"
    shutil.copytree(STUDENT_DIR, package, ignore=shutil.ignore_patterns("source", "*.py", "__*"))
    folder = tmp_path / "work"
    hand_out(folder, source_dir=package)
    first, second = lesson_files(package)[:2]
    (folder / second.name).write_text("my work", encoding="utf-8")
    first.write_text(first.read_text() + "\n", encoding="utf-8")  # a new release of bpwidgets
    second.write_text(second.read_text() + "\n", encoding="utf-8")
    result = hand_out(folder, source_dir=package)
    assert result.updated == (first.name,) and result.kept == (second.name,)
    assert (folder / first.name).read_bytes() == first.read_bytes()
    assert (folder / second.name).read_text() == "my work"
    assert (folder / MANIFEST).is_file()


def test_bad_folder_or_reset_name_is_a_one_line_error(tmp_path, capsys):
    afile = tmp_path / "file"
    afile.write_text("x")
    assert main(["lessons", str(afile)]) == 2
    assert main(["lessons", str(tmp_path / "w"), "--reset", "99"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "must be a folder" in err[0] and "'99'" in err[1]


def test_the_student_tree_holds_lessons_only_and_the_sources_hold_the_answers(tmp_path):
    folder = tmp_path / "lessons"
    hand_out(folder)
    for path in folder.rglob("*"):
        text = path.read_text(encoding="utf-8")
        assert not any(secret in text for secret in SECRETS), path
    # The instructor tree is where the answers are (so the test above can fail).
    assert all("BEGIN SOLUTION" in p.read_text() for p in lesson_files(SOURCE_DIR))
