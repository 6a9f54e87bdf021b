import pytest

from harness.report.labels import LABELS, LANGS, check_lang, label


def test_every_label_has_every_language_and_no_empty_text() -> None:
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGS), key
        assert all(text.strip() for text in texts.values()), key


def test_chinese_labels_are_not_the_english_ones() -> None:
    assert label("report_title", "zh") != label("report_title", "en")


def test_unknown_label_and_language_are_named() -> None:
    with pytest.raises(KeyError, match="no_such_label"):
        label("no_such_label", "en")
    with pytest.raises(ValueError, match=r"'fr'.*en, zh"):
        check_lang("fr")
    assert check_lang("zh") == "zh"
