"""Reading spreadsheets: every encoding people's spreadsheets save, told apart from real bytes;
separators detected; both overridable."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.core import tables
from accord.core.tables import ImportFileError, open_table

POLISH = "imię;nazwisko;miasto\nGrzegorz;Gżegżółka;Łódź\nŚwiętosław;Źdźbło;Kraków\nAnna;Mąka;Gdańsk\n"
LITHUANIAN = "vardas;pavardė;miestas\nJonas;Žukauskas;Šiauliai\nOna;Kazlauskienė;Klaipėda\nRūta;Jankūnaitė;Kėdainiai\n"
RUSSIAN = "имя;фамилия;город\nИван;Петров;Москва\nОльга;Смирнова;Санкт-Петербург\n"
ROMANIAN = "prenume,nume,oraş\nŞtefan,Ţăranu,Iaşi\nIoana,Popescu,Braşov\n"


def write(tmp_path: Path, data: bytes, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(path: Path, **options: str) -> tuple[str | None, str | None, list[str], list[dict[str, str]]]:
    with open_table(path, **options) as table:
        return table.encoding, table.delimiter, table.headers, [values for _line, values in table]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (POLISH, "cp1250"),
        (POLISH, "iso8859-2"),
        (LITHUANIAN, "cp1257"),
        (RUSSIAN, "cp1251"),
        (ROMANIAN, "cp1250"),
    ],
)
def test_each_single_byte_encoding_is_detected_from_real_bytes(tmp_path, text, encoding):
    path = write(tmp_path, text.encode(encoding))

    found, _delimiter, headers, values = rows(path)

    assert found == encoding
    separator = ";" if ";" in text else ","
    lines = text.splitlines()
    assert headers == lines[0].split(separator)
    assert [list(v.values()) for v in values] == [line.split(separator) for line in lines[1:]]


def test_the_polish_names_read_back_letter_for_letter_from_windows_1250(tmp_path):
    path = write(tmp_path, "last_name;city\nGżegżółka;Łódź\nąćęłńóśźż;ĄĆĘŁŃÓŚŹŻ\n".encode("cp1250"))

    encoding, delimiter, _headers, values = rows(path)

    assert (encoding, delimiter) == ("cp1250", ";")
    assert values == [
        {"last_name": "Gżegżółka", "city": "Łódź"},
        {"last_name": "ąćęłńóśźż", "city": "ĄĆĘŁŃÓŚŹŻ"},
    ]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_a_byte_order_mark(tmp_path, bom):
    path = write(tmp_path, bom + POLISH.encode())

    encoding, delimiter, headers, values = rows(path)

    assert (encoding, delimiter) == ("utf-8", ";")
    assert headers == ["imię", "nazwisko", "miasto"]  # no BOM glued to the first header
    assert values[0] == {"imię": "Grzegorz", "nazwisko": "Gżegżółka", "miasto": "Łódź"}


def test_plain_ascii_is_read_as_utf8(tmp_path):
    assert rows(write(tmp_path, b"name,city\nAcme,Warsaw\n"))[0] == "utf-8"


def test_a_file_valid_as_utf8_only_until_a_late_line_is_not_utf8(tmp_path):
    lines = ["last_name"] + ["Nowak"] * 5000 + ["Żółć"]
    path = write(tmp_path, "\n".join(lines).encode("cp1250"))

    encoding, _delimiter, _headers, values = rows(path)

    assert encoding == "cp1250"
    assert values[-1] == {"last_name": "Żółć"}


def test_the_encoding_can_be_given_and_then_is_not_guessed(tmp_path):
    # ISO-8859-2 bytes read as Windows-1250: "ą" comes out as "±", as the person asked.
    path = write(tmp_path, "last_name\nMąka\n".encode("iso8859-2"))

    assert rows(path, encoding="windows-1250")[3] == [{"last_name": "M±ka"}]
    assert rows(path, encoding="ISO-8859-2")[3] == [{"last_name": "Mąka"}]


def test_a_line_the_given_encoding_cannot_read_is_named(tmp_path):
    path = write(tmp_path, "last_name\nNowak\nŻółć\n".encode("cp1250"))

    with pytest.raises(ImportFileError) as caught, open_table(path, encoding="utf-8") as table:
        list(table)

    assert str(caught.value) == "Line 3 is not UTF-8 text: choose the file's encoding."


@pytest.mark.parametrize("name", ["windows-1250", "cp1250", "WINDOWS-1250", "1250"])
def test_encoding_names_people_write_are_understood(name):
    assert tables.encoding_code(name) == "cp1250"


def test_encodings_outside_the_list_are_refused():
    with pytest.raises(ImportFileError, match="latin1 is not an encoding Accord reads"):
        tables.encoding_code("latin1")


@pytest.mark.parametrize(
    ("data", "delimiter"), [(b"a;b;c\n1;2;3\n", ";"), (b"a,b\n1,2\n", ","), (b"a\tb\n1\t2\n", "\t")]
)
def test_the_separator_is_detected_from_the_header(tmp_path, data, delimiter):
    assert rows(write(tmp_path, data))[1] == delimiter


def test_the_separator_can_be_given(tmp_path):
    path = write(tmp_path, b"name;notes\nAcme;one, two\n")

    assert rows(path, delimiter=",")[2] == ["name;notes"]
    assert rows(path, delimiter=";")[3] == [{"name": "Acme", "notes": "one, two"}]


def test_first_lines_show_the_text_as_the_encoding_decodes_it(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + "a;b\nGżegżółka;Łódź\n".encode())

    assert tables.first_lines(path, "utf-8") == ["a;b", "Gżegżółka;Łódź"]
    assert tables.first_lines(path, "cp1250")[1] == "GĹĽegĹĽĂłĹ‚ka;Ĺ\ufffdĂłdĹş"  # a wrong guess shows


def test_a_quotation_mark_never_closed_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, b'name,note\nAnna,fine\nJan,"starts here\nEwa,lost\nOla,lost too\n')

    with pytest.raises(ImportFileError) as caught, open_table(path) as table:
        list(table)

    assert "Line 3" in str(caught.value)
    assert "never closed" in str(caught.value)


def test_quoted_notes_over_several_lines_still_read_and_keep_the_line_numbers(tmp_path):
    path = write(tmp_path, b'name,note\nJan,"two\nlines"\nEwa,"x"\n')

    with open_table(path) as table:
        found = list(table)

    assert found == [(2, {"name": "Jan", "note": "two\nlines"}), (4, {"name": "Ewa", "note": "x"})]
