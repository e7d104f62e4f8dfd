"""Vietnamese text helpers: accent-insensitive search text and dictionary-order sort keys."""
import random
import unicodedata

from agencies.fields import fold, vi_sort_key


def in_order(names):
    shuffled = list(names)
    random.Random(119).shuffle(shuffled)
    return sorted(shuffled, key=vi_sort_key) == list(names)


def test_fold():
    assert fold("Sở Ngoại vụ") == "so ngoai vu"
    assert fold("  ĐÔNG   Sơn ") == "dong son"


def test_districts_sort_as_in_a_vietnamese_dictionary():
    assert in_order(["Bá Thước", "Cẩm Thủy", "Đông Sơn", "Hà Trung", "Hậu Lộc", "Hoằng Hóa", "Yên Định"])


def test_letters_then_tones():
    assert in_order(["a", "ă", "â", "b", "d", "đ", "e", "ê", "o", "ô", "ơ", "u", "ư", "y"])
    assert in_order(["ma", "mà", "mả", "mã", "má", "mạ"])
    assert in_order(["ma", "mà", "mác", "mạc"])  # letters decide before tones


def test_prefixes_case_digits_and_separators():
    assert in_order(["Sở Tài", "Sở Tài chính", "Sở Tài nguyên và Môi trường"])
    assert vi_sort_key("SỞ Y TẾ") == vi_sort_key("Sở Y tế")
    assert in_order(["Khu 1", "Khu 2", "Khu A"])
    assert vi_sort_key("Lao động - Thương binh") == vi_sort_key("Lao động Thương binh")


def test_decomposed_text_sorts_like_composed_text():
    name = "Ủy ban nhân dân huyện Quảng Xương"
    assert vi_sort_key(unicodedata.normalize("NFD", name)) == vi_sort_key(name)
    assert vi_sort_key(name).isascii()


def test_any_text_gets_a_key():
    for text in ["", "  ", "ﬁ ² ٣ x̂", "Sở (cũ)", "O'Brien & Co."]:
        assert vi_sort_key(text).isascii()
    assert vi_sort_key("") == " "
