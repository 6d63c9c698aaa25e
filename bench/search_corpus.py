"""Synthetic Vietnamese administrative documents for the search benchmarks.

Words are drawn from a vocabulary written for this benchmark (administrative and Party usage),
ranked from most to least frequent and sampled with Zipf weights (rank ** -1.1), mixed with
function words, numbers, dates, names of people and places. Each document has the header of a
real one (issuer, number and symbol, place and date, type, abstract) and 300-600 syllables.
Deterministic for a given seed.
"""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.backend import IndexDocument  # noqa: E402

# Most frequent first. Multi-syllable words: the unit an archivist searches for.
WORDS = """
đảng ủy|cán bộ|đảng viên|thực hiện|công tác|phường|nhiệm vụ|tổ chức|lãnh đạo|chỉ đạo
ban thường vụ|chi bộ|kế hoạch|nghị quyết|triển khai|nâng cao|hiệu quả|chính trị|nhân dân|ủy ban
trách nhiệm|kiểm tra|giám sát|quy định|báo cáo|cơ quan|đơn vị|tình hình|kết quả|đồng chí
xây dựng|hệ thống|chuyển đổi số|cải cách hành chính|hành chính|phát triển|kinh tế|xã hội
văn hóa|an ninh|trật tự|quốc phòng|tuyên truyền|học tập|quán triệt|chương trình|nội dung
giải pháp|mục tiêu|yêu cầu|đề nghị|phối hợp|thường xuyên|kịp thời|nghiêm túc|đầy đủ|đồng bộ
toàn diện|thống nhất|tập trung|dân chủ|kỷ luật|kỷ cương|đoàn kết|đổi mới|phương thức|năng lực
chất lượng|đội ngũ|bộ máy|tinh gọn|hiệu lực|công chức|viên chức|người đứng đầu|cấp ủy
mặt trận tổ quốc|đoàn thể|hội nghị|ban chấp hành|nhiệm kỳ|đại hội|bầu cử|nhân sự|quy hoạch
đào tạo|bồi dưỡng|luân chuyển|bổ nhiệm|đánh giá|xếp loại|khen thưởng|thi đua|sơ kết|tổng kết
rút kinh nghiệm|hạn chế|khuyết điểm|nguyên nhân|khắc phục|ngân sách|dự toán|kinh phí|quyết toán
tài chính|tài sản|đất đai|xây dựng cơ bản|đầu tư|dự án|giải phóng mặt bằng|bồi thường|hỗ trợ
tái định cư|thu hồi đất|môi trường|vệ sinh|an toàn thực phẩm|y tế|giáo dục|trường học|học sinh
bảo hiểm|bảo trợ xã hội|hộ nghèo|hộ cận nghèo|người có công|thương binh|liệt sĩ|chính sách
lao động|việc làm|dân số|hộ tịch|hộ khẩu|cư trú|tiếp công dân|khiếu nại|tố cáo|kiến nghị
phản ánh|dư luận|tư tưởng|đạo đức|lối sống|nêu gương|học tập và làm theo|tự diễn biến
tự chuyển hóa|suy thoái|tham nhũng|lãng phí|tiêu cực|phòng chống|bảo vệ bí mật nhà nước|văn thư
lưu trữ|hồ sơ|tài liệu|số hóa|cơ sở dữ liệu|phần mềm|thư điện tử|chữ ký số
dịch vụ công trực tuyến|một cửa|thủ tục hành chính|giấy tờ|chứng thực|cấp phép|trật tự đô thị
lòng đường|vỉa hè|xây dựng trái phép|phòng cháy chữa cháy|cứu nạn|thiên tai|mưa bão|ngập úng
dịch bệnh|tuyển quân|nghĩa vụ quân sự|dân quân tự vệ|công an|tổ dân phố|khu dân cư|hòa giải
đời sống|văn minh|gia đình văn hóa|thanh niên|phụ nữ|cựu chiến binh|người cao tuổi|thiếu niên
nhi đồng|công đoàn|hội nông dân|doanh nghiệp|hộ kinh doanh|thuế|phí|lệ phí|thu ngân sách
chi thường xuyên|nợ đọng|kiểm toán|thanh tra|xử lý vi phạm|thi hành kỷ luật|đảng phí
thẻ đảng viên|kết nạp đảng|chuyển sinh hoạt đảng|phát triển đảng viên|quần chúng ưu tú
sinh hoạt chi bộ|chuyên đề|nghị quyết trung ương|chỉ thị|quy chế làm việc|phân công|phân cấp
ủy quyền|điều hành|tham mưu|giúp việc|văn phòng|ban tổ chức|ban tuyên giáo|ủy ban kiểm tra
ban dân vận|khối dân vận|quy chế dân chủ|cơ sở|lấy ý kiến|góp ý|dự thảo|thẩm định|phê duyệt
ban hành|sửa đổi|bổ sung|bãi bỏ|hướng dẫn|thông báo|công văn|tờ trình|quyết định|biên bản
giấy mời|lịch làm việc|giao ban|họp|hội thảo|tập huấn|lớp bồi dưỡng|kỷ niệm|ngày thành lập
lễ hội|di tích|văn hóa văn nghệ|thể dục thể thao|du lịch|quảng cáo|biển hiệu|chợ
trung tâm thương mại|giao thông|chiếu sáng|cây xanh|thoát nước|rác thải|nước sạch|điện lực
viễn thông|nhà ở|chung cư|nhà văn hóa|trụ sở
""".strip().replace("\n", "|").split("|")

FUNCTION = ("của|và|các|những|trong|với|được|cho|về|theo|để|có|là|đã|này|đến|tại|từ|một|"
            "trên|đối với|nhằm|gắn với|bảo đảm|không|còn|cần|phải|sẽ|đang|như|do|khi|nếu|"
            "hơn|đạt|tăng|giảm|so với|cùng kỳ|trên địa bàn|theo quy định").split("|")

HO = ("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Cao Tạ "
      "Lưu").split()
DEM = "Văn Thị Đức Minh Quang Thanh Ngọc Hữu Xuân Thu Hoàng Mạnh Bích Kim Tuấn".split()
TEN = ("An Anh Bình Chi Cường Dũng Giang Hà Hải Hạnh Hiếu Hoa Hùng Hưng Hương Khải Khánh "
       "Lan Liên Linh Lộc Long Mai Minh Nam Nga Ngọc Nhung Phong Phúc Phương Quang Quân Sơn "
       "Tâm Thành Thảo Thắng Thủy Toản Trâm Trang Trung Tuấn Tùng Vân Việt Vinh Yến").split()
PLACES = ("Phúc Lợi|Long Biên|Gia Thụy|Ngọc Thụy|Bồ Đề|Việt Hưng|Thạch Bàn|Cự Khối|Sài Đồng|"
          "Phúc Đồng|Giang Biên|Thượng Thanh|Đức Giang|Ngọc Lâm|Phúc Xá|Bát Tràng").split("|")

DOC_TYPES = [
    ("ke_hoach", "KẾ HOẠCH", "KH"), ("nghi_quyet", "NGHỊ QUYẾT", "NQ"),
    ("quyet_dinh", "QUYẾT ĐỊNH", "QĐ"), ("bao_cao", "BÁO CÁO", "BC"),
    ("thong_bao", "THÔNG BÁO", "TB"), ("cong_van", "CÔNG VĂN", "CV"),
    ("huong_dan", "HƯỚNG DẪN", "HD"), ("chi_thi", "CHỈ THỊ", "CT"),
    ("to_trinh", "TỜ TRÌNH", "TTr"), ("ket_luan", "KẾT LUẬN", "KL"),
    ("quy_dinh", "QUY ĐỊNH", "QĐi"),
]
ISSUERS = [
    ("ĐẢNG ỦY PHƯỜNG PHÚC LỢI", "ĐU", True),
    ("ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI", "UBND", False),
    ("ỦY BAN KIỂM TRA", "UBKT", True), ("BAN XÂY DỰNG ĐẢNG", "BXDĐ", True),
    ("VĂN PHÒNG", "VPĐU", True), ("CÔNG AN PHƯỜNG PHÚC LỢI", "CAP", False),
    ("ỦY BAN MẶT TRẬN TỔ QUỐC PHƯỜNG", "MTTQ", True),
]


ONSETS = "b c ch d đ g h k kh l m n ng nh p ph qu r s t th tr v x".split()
RHYMES = ("a ai am an ang anh ao au ay e em en eo ê êm ên i im in inh iu o oa oai oan oc oi om "
          "on ong ô ôi ôm ôn ông ơ ơi ơm ơn u ui um un ung uy ư ưa ươi ương").split()
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _tail_syllables() -> list[str]:
    """Rare syllables (the long tail of OCR'd archives: names, places, local words).

    Every onset + rhyme + tone not used by the common vocabulary; the tone goes on the last
    vowel, which is not always where Vietnamese puts it, and does not matter here.
    """
    import unicodedata

    common = {w.lower() for phrase in WORDS + FUNCTION + HO + DEM + TEN + PLACES
              for w in phrase.split()}
    out = []
    for onset in ONSETS:
        for rhyme in RHYMES:
            for tone in TONES:
                i = max(i for i, c in enumerate(rhyme) if c in "aăâeêioôơuưy")
                word = unicodedata.normalize("NFC", onset + rhyme[: i + 1] + tone + rhyme[i + 1:])
                if word not in common:
                    out.append(word)
    return out


TAIL = _tail_syllables()


def _zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank ** s) for rank in range(1, n + 1)))


class Generator:
    def __init__(self, seed: int = 20250815) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (test data)
        self.word_cum = _zipf_weights(len(WORDS))
        self.signers = [f"{self.rng.choice(HO)} {self.rng.choice(DEM)} {self.rng.choice(TEN)}"
                        for _ in range(40)]

    def word(self) -> str:
        return self.rng.choices(WORDS, cum_weights=self.word_cum)[0]

    def person(self) -> str:
        r = self.rng
        return f"{r.choice(HO)} {r.choice(DEM)} {r.choice(TEN)}"

    def sentence(self) -> str:
        r = self.rng
        parts: list[str] = []
        for _ in range(r.randint(8, 18)):
            x = r.random()
            if x < 0.55:
                parts.append(self.word())
            elif x < 0.93:
                parts.append(r.choice(FUNCTION))
            elif x < 0.96:
                parts.append(f"{r.randint(1, 99)}%" if r.random() < 0.5 else str(r.randint(2, 500)))
            elif x < 0.98:
                parts.append(f"tổ dân phố số {r.randint(1, 40)}")
            elif x < 0.985:
                parts.append(f"đồng chí {self.person()}")
            elif x < 0.99:
                parts.append(r.choice(TAIL))
            else:
                parts.append(f"phường {r.choice(PLACES)}")
        s = " ".join(parts)
        return s[0].upper() + s[1:] + r.choice([".", ";", ",", "."])

    def document(self, n: int) -> IndexDocument:
        r = self.rng
        doc_type, label, code = r.choice(DOC_TYPES)
        issuer, issuer_code, party = r.choice(ISSUERS)
        year = r.choice([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2025])
        month, day = r.randint(1, 12), r.randint(1, 28)
        number = r.randint(1, 1600)
        symbol = f"{number}-{code}/{issuer_code}" if party else f"{number}/{code}-{issuer_code}"
        abstract = " ".join(self.word() for _ in range(r.randint(3, 7)))
        signer = r.choice(self.signers)
        header = (f"{issuer}\n*\nSố {symbol}\nPhúc Lợi, ngày {day} tháng {month} năm {year}\n"
                  f"{label}\n{abstract}\n")
        target = r.randint(300, 600)
        body: list[str] = []
        count = 0
        while count < target:
            s = self.sentence()
            body.append(s)
            count += len(s.split())
        text = header + "\n".join(body) + f"\nNơi nhận:\n- Lưu.\n{signer}"
        return IndexDocument(
            doc_id=f"bench{n:07d}", title=f"{label.capitalize()} {symbol}: {abstract}",
            text=text, number_symbol=symbol, doc_type=doc_type,
            date=f"{year:04d}-{month:02d}-{day:02d}", issuing_body=issuer, signer=signer,
            file_code=f"HS.{year}.{r.randint(1, 60):02d}", abstract=abstract,
        )

    def documents(self, count: int) -> Iterator[IndexDocument]:
        for n in range(count):
            yield self.document(n)
