"""Write the project's sample scans and their ground truth (samples/manifest.json).

    python samples/make_samples.py            # from the repository root

All documents are fictitious: people, numbers and dates are invented; the ward and its bodies
follow the layout rules of Hướng dẫn 36-HD/VPTW (Party) and Nghị định 30/2020/NĐ-CP (State).
Each document carries phrases found in no other sample, so search tests can tell them apart.
Output is deterministic: running the script twice gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sohoa.records import Secrecy, Urgency  # noqa: E402
from sohoa.vntext import fold  # noqa: E402
from tools.docgen import (  # noqa: E402
    Degradation,
    DocSpec,
    Para,
    ReceivedStamp,
    Rendered,
    ground_truth,
    render,
    save_jpeg,
    save_pdf,
    save_png,
    save_tiff,
)

PARTY_PARENT = "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"
PARTY_ISSUER = "ĐẢNG ỦY PHƯỜNG PHÚC LỢI"
UBND = "ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI"
UBND_LINES = ("ỦY BAN NHÂN DÂN", "PHƯỜNG PHÚC LỢI")
PLACE = "Phúc Lợi"

SCAN = Degradation(skew_deg=0.3, blur_sigma=0.55, noise_sigma=2.0, paper_tone=0.3,
                   speckle=6e-5, illumination=0.04)


@dataclass(frozen=True)
class Sample:
    file: str
    fmt: str  # pdf, tiff, png, jpeg
    spec: DocSpec
    what: str  # one line for the README
    pipeline: str  # what a correct pipeline does with it
    phrases: tuple[str, ...]  # distinctive phrases, first one shown in the README
    jpeg_quality: int = 75


# (a) Party plan, greyscale, 2 pages, 300 dpi -------------------------------------------------
PLAN = DocSpec(
    family="party", doc_type="ke_hoach", type_label="KẾ HOẠCH", number_symbol="35-KH/ĐU",
    parent=PARTY_PARENT, issuer=PARTY_ISSUER, place=PLACE, date=date(2025, 9, 22),
    abstract="thực hiện chuyển đổi số trong các cơ quan Đảng phường Phúc Lợi năm 2026",
    body=(
        Para("Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát "
             "triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia; Kế hoạch của "
             "Ban Thường vụ Thành ủy Hà Nội về chuyển đổi số trong các cơ quan Đảng, Ban Thường "
             "vụ Đảng ủy phường Phúc Lợi xây dựng Kế hoạch thực hiện năm 2026 như sau:"),
        Para("I. MỤC ĐÍCH, YÊU CẦU", "heading"),
        Para("- Đẩy mạnh chuyển đổi số trong lãnh đạo, chỉ đạo, điều hành của cấp ủy; xây dựng "
             "kho dữ liệu số của Đảng bộ phường, bảo đảm 100% văn bản không mật được xử lý, lưu "
             "trữ trên môi trường điện tử và ký số theo quy định."),
        Para("- Nâng cao kỹ năng số cho cán bộ, đảng viên; đưa sổ tay đảng viên điện tử vào sử "
             "dụng thống nhất tại các chi bộ trực thuộc; bảo đảm an toàn thông tin, tuyệt đối "
             "không soạn thảo, lưu trữ tài liệu có nội dung bí mật nhà nước trên máy tính kết "
             "nối mạng."),
        Para("II. NHIỆM VỤ, GIẢI PHÁP", "heading"),
        Para("1. Hoàn thiện hạ tầng và nền tảng số", "subheading"),
        Para("Văn phòng Đảng ủy rà soát, nâng cấp mạng nội bộ, máy trạm và thiết bị ký số; triển "
             "khai phần mềm quản lý văn bản và hồ sơ công việc dùng chung với Ủy ban nhân dân "
             "phường; hoàn thành trong quý I năm 2026."),
        Para("2. Số hóa hồ sơ, tài liệu của Đảng bộ", "subheading"),
        Para("Tổ chức số hóa toàn bộ hồ sơ, tài liệu không mật hình thành từ năm 2020 đến nay; "
             "mỗi bản số hóa được nhận dạng ký tự, gắn siêu dữ liệu và ký số của cơ quan thực "
             "hiện số hóa. Tài liệu mật chỉ được số hóa khi có ý kiến của cấp có thẩm quyền, trên "
             "máy tính độc lập, không kết nối mạng."),
        Para("3. Nâng cao năng lực số của đội ngũ", "subheading"),
        Para("Mở 02 lớp tập huấn kỹ năng số cho bí thư, phó bí thư chi bộ và cán bộ Văn phòng "
             "Đảng ủy; mỗi chi bộ cử ít nhất 01 đồng chí làm đầu mối hỗ trợ đảng viên sử dụng sổ "
             "tay đảng viên điện tử."),
        Para("III. TỔ CHỨC THỰC HIỆN", "heading"),
        Para("1. Văn phòng Đảng ủy chủ trì, phối hợp với Ban Xây dựng Đảng theo dõi, đôn đốc; "
             "tổng hợp kết quả, báo cáo Ban Thường vụ Đảng ủy hằng quý."),
        Para("2. Các chi bộ trực thuộc xây dựng kế hoạch cụ thể, triển khai thực hiện và báo cáo "
             "kết quả về Văn phòng Đảng ủy trước ngày 15/12/2026."),
        Para("Ban Thường vụ Đảng ủy yêu cầu các chi bộ, cơ quan, đơn vị nghiêm túc triển khai "
             "thực hiện Kế hoạch này./."),
    ),
    recipients=("- Văn phòng Thành ủy (để báo cáo),", "- Ban Thường vụ Đảng ủy,",
                "- Ban XD Đảng, UBKT Đảng ủy,", "- Các chi bộ trực thuộc,", "- Lưu VPĐU."),
    signer_authority="T/M BAN THƯỜNG VỤ", signer_title="PHÓ BÍ THƯ THƯỜNG TRỰC",
    signer_name="Vũ Đình Khôi", color_mode="gray", dpi=300, degradation=SCAN, seed=101,
)

# (b) State decision, colour, red seal and "ĐẾN" stamp, 200 dpi --------------------------------
DECISION = DocSpec(
    family="state", doc_type="quyet_dinh", type_label="QUYẾT ĐỊNH", number_symbol="118/QĐ-UBND",
    issuer=UBND, issuer_lines=UBND_LINES, place=PLACE, date=date(2025, 10, 6),
    abstract="Về việc kiện toàn Ban Chỉ đạo cải cách hành chính phường Phúc Lợi năm 2026",
    body=(
        Para("CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI", "center"),
        Para("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;", "italic"),
        Para("Căn cứ Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ về Chương trình tổng "
             "thể cải cách hành chính nhà nước giai đoạn 2021 - 2030;", "italic"),
        Para("Theo đề nghị của Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường.",
             "italic"),
        Para("QUYẾT ĐỊNH:", "center"),
        Para("Kiện toàn Ban Chỉ đạo cải cách hành chính phường Phúc Lợi năm 2026 gồm 09 thành "
             "viên: đồng chí Trịnh Quốc Bảo, Chủ tịch Ủy ban nhân dân phường, làm Trưởng ban; "
             "đồng chí Mai Thu Trang, Phó Chủ tịch, làm Phó Trưởng ban thường trực; các thành "
             "viên là trưởng các phòng chuyên môn.", lead="Điều 1."),
        Para("Ban Chỉ đạo giúp Chủ tịch Ủy ban nhân dân phường chỉ đạo cải cách thủ tục hành "
             "chính, xây dựng chính quyền số; theo dõi chỉ số hài lòng của người dân và tỷ lệ "
             "hồ sơ giải quyết đúng hạn.", lead="Điều 2."),
        Para("Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, trưởng các phòng "
             "chuyên môn và các ông, bà có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định "
             "này./.", lead="Điều 3."),
    ),
    recipients=("- Như Điều 3;", "- Sở Nội vụ Thành phố (để b/c);", "- Thường trực Đảng ủy phường;",
                "- Lưu: VT, VP."),
    signer_authority="", signer_title="CHỦ TỊCH", signer_name="Trịnh Quốc Bảo",
    received=ReceivedStamp(agency="ĐẢNG ỦY PHƯỜNG PHÚC LỢI", number="412", date="08/10/2025"),
    color_mode="rgb", dpi=200, degradation=SCAN, seed=202,
)

# (c) State report, 3 pages, bilevel multi-page TIFF, slight skew ------------------------------
REPORT = DocSpec(
    family="state", doc_type="bao_cao", type_label="BÁO CÁO", number_symbol="231/BC-UBND",
    issuer=UBND, issuer_lines=UBND_LINES, place=PLACE, date=date(2025, 11, 28),
    abstract="Kết quả công tác văn thư, lưu trữ và số hóa tài liệu lưu trữ năm 2025",
    addressees=("Sở Nội vụ thành phố Hà Nội",),
    body=(
        Para("Thực hiện Luật Lưu trữ năm 2024 và hướng dẫn của Sở Nội vụ thành phố Hà Nội, Ủy "
             "ban nhân dân phường Phúc Lợi báo cáo kết quả công tác văn thư, lưu trữ và số hóa "
             "tài liệu lưu trữ năm 2025 như sau:"),
        Para("I. KẾT QUẢ THỰC HIỆN", "heading"),
        Para("1. Công tác văn thư", "subheading"),
        Para("Năm 2025, Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường tiếp nhận 4.862 văn "
             "bản đến, phát hành 1.975 văn bản đi; 98,6% văn bản đi được ký số và gửi trên phần "
             "mềm quản lý văn bản; thời gian xử lý trung bình một văn bản đến giảm từ 3,2 ngày "
             "xuống còn 1,8 ngày so với năm 2024."),
        Para("Việc lập hồ sơ công việc trên môi trường điện tử được thực hiện tại 6/6 phòng "
             "chuyên môn; danh mục hồ sơ năm 2025 được ban hành từ tháng 01 với 412 hồ sơ."),
        Para("2. Công tác lưu trữ", "subheading"),
        Para("Kho lưu trữ cơ quan đang bảo quản 186 mét giá tài liệu của phông lưu trữ Ủy ban "
             "nhân dân phường và các phông của ba phường cũ trước khi sắp xếp đơn vị hành chính. "
             "Trong năm đã chỉnh lý hoàn chỉnh 42 mét giá, lập 1.530 hồ sơ, loại 18 mét giá tài "
             "liệu hết giá trị theo đúng trình tự, thủ tục."),
        Para("Công tác phục vụ khai thác, sử dụng tài liệu được duy trì thường xuyên: phòng đọc "
             "của phường phục vụ 348 lượt người với 1.126 hồ sơ, chủ yếu là hồ sơ đất đai, hộ "
             "tịch và xây dựng; 71% yêu cầu được đáp ứng bằng bản số hóa có ký số, rút ngắn thời "
             "gian tìm kiếm từ nửa ngày xuống còn vài phút."),
        Para("Tài liệu có nội dung bí mật nhà nước được thống kê, quản lý riêng theo quy định "
             "về bảo vệ bí mật nhà nước, không đưa vào phạm vi số hóa của năm 2025."),
        Para("3. Số hóa tài liệu lưu trữ", "subheading"),
        Para("Phường đã số hóa 96.400 trang tài liệu của 3.210 hồ sơ có thời hạn bảo quản vĩnh "
             "viễn và hồ sơ về đất đai, hộ tịch; 100% bản số hóa ở định dạng PDF/A, độ phân giải "
             "từ 200 dpi trở lên, được nhận dạng ký tự và ký số của cơ quan. Cơ sở dữ liệu tài "
             "liệu lưu trữ điện tử cho phép tra cứu theo số, ký hiệu, trích yếu và từ khóa, thời "
             "gian tra cứu trung bình dưới 05 giây."),
        Para("4. Bảo đảm an toàn hồ sơ, tài liệu", "subheading"),
        Para("Hệ thống lưu trữ điện tử của phường được sao lưu hằng ngày ra thiết bị độc lập, mỗi "
             "tệp được kiểm tra mã băm định kỳ hằng tháng; trong năm không để xảy ra mất mát, hư "
             "hỏng hồ sơ. Nhật ký truy cập ghi nhận đầy đủ người xem, thời gian và mục đích khai "
             "thác, được Văn phòng rà soát hằng quý."),
        Para("Phường đã thực hiện kiểm tra công tác văn thư, lưu trữ tại 6 phòng chuyên môn và "
             "Trung tâm phục vụ hành chính công; qua kiểm tra đã chấn chỉnh việc lập hồ sơ giấy "
             "song song với hồ sơ điện tử, việc ghi sổ đăng ký văn bản đến bằng tay và việc lưu "
             "bản chính văn bản đi không đúng nơi quy định."),
        Para("5. Đánh giá chung", "subheading"),
        Para("Công tác văn thư, lưu trữ năm 2025 có nhiều chuyển biến tích cực, đáp ứng yêu cầu "
             "vận hành chính quyền hai cấp; tỷ lệ văn bản điện tử, hồ sơ điện tử và tài liệu "
             "được số hóa đều vượt chỉ tiêu Thành phố giao; người dân, doanh nghiệp được phục vụ "
             "nhanh hơn nhờ khai thác bản số hóa thay cho bản giấy."),
        Para("II. TỒN TẠI, HẠN CHẾ", "heading"),
        Para("- Kho lưu trữ chưa có hệ thống điều hòa, hút ẩm ổn định; một số tài liệu giai đoạn "
             "2000 - 2010 bị ố vàng, mờ chữ, ảnh hưởng đến chất lượng nhận dạng ký tự."),
        Para("- Nhân lực làm công tác lưu trữ còn kiêm nhiệm; kinh phí số hóa mới đáp ứng khoảng "
             "60% nhu cầu."),
        Para("- Một số phòng chuyên môn còn nộp lưu hồ sơ chậm, hồ sơ điện tử chưa đầy đủ siêu "
             "dữ liệu theo quy định; việc khai thác dữ liệu tài liệu lưu trữ phục vụ chỉ đạo, "
             "điều hành còn hạn chế."),
        Para("III. PHƯƠNG HƯỚNG NĂM 2026", "heading"),
        Para("1. Hoàn thành số hóa toàn bộ hồ sơ bảo quản vĩnh viễn còn lại; kết nối cơ sở dữ "
             "liệu tài liệu lưu trữ của phường với Kho lưu trữ số của Thành phố."),
        Para("2. Bố trí kinh phí cải tạo kho lưu trữ, trang bị máy quét khổ A3 và thiết bị bảo "
             "quản; cử 02 công chức tham gia bồi dưỡng nghiệp vụ lưu trữ điện tử."),
        Para("3. Thực hiện thu thập hồ sơ, tài liệu đến hạn nộp lưu từ các phòng chuyên môn "
             "trước ngày 30/6/2026 theo đúng quy định."),
        Para("IV. KIẾN NGHỊ", "heading"),
        Para("Đề nghị Sở Nội vụ hướng dẫn thống nhất cấu trúc gói tin hồ sơ số hóa và hỗ trợ "
             "phường đào tạo công chức vận hành hệ thống lưu trữ điện tử."),
        Para("Ủy ban nhân dân phường Phúc Lợi trân trọng báo cáo./."),
    ),
    recipients=("- Như trên;", "- Thường trực Đảng ủy phường;", "- Chủ tịch, các PCT UBND phường;",
                "- Lưu: VT, VP."),
    signer_authority="KT. CHỦ TỊCH", signer_title="PHÓ CHỦ TỊCH", signer_name="Mai Thu Trang",
    color_mode="bilevel", dpi=200,
    degradation=Degradation(skew_deg=0.7, blur_sigma=0.5, noise_sigma=3.0, speckle=4e-5,
                            bilevel_threshold=150),
    seed=303,
)

# (d) Party notice stamped MẬT, colour PDF --------------------------------------------------------
SECRET = DocSpec(
    family="party", doc_type="ke_hoach", type_label="KẾ HOẠCH", number_symbol="41-KH/ĐU",
    parent=PARTY_PARENT, issuer=PARTY_ISSUER, place=PLACE, date=date(2025, 12, 3),
    abstract="bảo vệ an ninh chính trị nội bộ và an toàn các mục tiêu trọng điểm dịp Tết "
             "Nguyên đán Bính Ngọ năm 2026",
    body=(
        Para("Để chủ động bảo vệ tuyệt đối an toàn các mục tiêu trọng điểm, các sự kiện chính "
             "trị và hoạt động đón Tết Nguyên đán Bính Ngọ năm 2026 trên địa bàn, Ban Thường vụ "
             "Đảng ủy phường Phúc Lợi ban hành Kế hoạch như sau:"),
        Para("I. YÊU CẦU", "heading"),
        Para("Nắm chắc tình hình, chủ động phòng ngừa, không để bị động, bất ngờ; giữ vững an "
             "ninh chính trị nội bộ, bảo đảm trật tự, an toàn xã hội tại 07 mục tiêu trọng điểm "
             "và khu vực chợ Phúc Lợi, ga đường sắt đô thị, các điểm vui chơi dịp Tết."),
        Para("II. NHIỆM VỤ CỤ THỂ", "heading"),
        Para("1. Công an phường bố trí 24 tổ tuần tra vũ trang trực 24/24 giờ từ ngày 10/02/2026 "
             "đến ngày 22/02/2026; phối hợp Ban Chỉ huy quân sự phường trong phương án bảo vệ "
             "mục tiêu và xử lý tình huống phức tạp."),
        Para("2. Chi bộ các khu dân cư nắm tình hình tư tưởng đảng viên, nhân dân; kịp thời "
             "phát hiện, báo cáo các vụ việc có dấu hiệu phức tạp về an ninh chính trị nội bộ."),
        Para("3. Văn phòng Đảng ủy quản lý Kế hoạch này theo chế độ tài liệu mật; Công an phường "
             "tổng hợp, báo cáo Thường trực Đảng ủy trước 16 giờ hằng ngày trong thời gian cao "
             "điểm./."),
    ),
    recipients=("- Thường trực Đảng ủy (để chỉ đạo),", "- Công an phường,",
                "- Ban CHQS phường,", "- Lưu VPĐU (bản số 05)."),
    copy_control=("Số lượng: 05 bản.", "Không được phép sao, chụp."),
    signer_authority="T/M BAN THƯỜNG VỤ", signer_title="BÍ THƯ", signer_name="Lại Thị Minh Nguyệt",
    secrecy=Secrecy.MAT, color_mode="rgb", dpi=200, degradation=SCAN, seed=404,
)

# (e) Phone photo of a công văn stamped KHẨN (urgent, not secret) --------------------------------
LETTER = DocSpec(
    family="state", doc_type="cong_van", type_label="", number_symbol="1537/UBND-TCKT",
    issuer=UBND, issuer_lines=UBND_LINES, place=PLACE, date=date(2025, 12, 9),
    abstract="V/v đôn đốc hoàn thiện hồ sơ quyết toán ngân sách năm 2025",
    addressees=("Các phòng chuyên môn thuộc UBND phường", "Trung tâm phục vụ hành chính công"),
    body=(
        Para("Để kịp thời tổng hợp báo cáo quyết toán ngân sách năm 2025 gửi Sở Tài chính theo "
             "thời hạn quy định, Ủy ban nhân dân phường Phúc Lợi đề nghị các đơn vị:"),
        Para("1. Rà soát toàn bộ chứng từ chi thường xuyên, chi đầu tư phát triển và kinh phí "
             "chuyển đổi số được giao năm 2025; hoàn thiện hồ sơ thanh toán còn thiếu chữ ký số."),
        Para("2. Gửi báo cáo quyết toán ngân sách và thuyết minh về Phòng Tài chính - Kế toán "
             "trước 17 giờ 00 ngày 15/12/2025; quá thời hạn trên, đơn vị chịu trách nhiệm trước "
             "Chủ tịch Ủy ban nhân dân phường."),
        Para("Đề nghị các đơn vị khẩn trương thực hiện./."),
    ),
    recipients=("- Như trên;", "- Chủ tịch UBND phường (để b/c);", "- Lưu: VT, TCKT."),
    signer_authority="KT. CHỦ TỊCH", signer_title="PHÓ CHỦ TỊCH", signer_name="Mai Thu Trang",
    urgency=Urgency.KHAN, color_mode="rgb", dpi=200,
    degradation=Degradation(blur_sigma=0.8, noise_sigma=3.5, paper_tone=0.4, illumination=0.08,
                            photo=True),
    seed=505,
)

# (f) Short notice as a PNG ---------------------------------------------------------------------
NOTICE = DocSpec(
    family="state", doc_type="thong_bao", type_label="THÔNG BÁO", number_symbol="57/TB-UBND",
    issuer=UBND, issuer_lines=UBND_LINES, place=PLACE, date=date(2026, 1, 5),
    abstract="Lịch tiếp nhận hồ sơ dịch vụ công trực tuyến trong dịp Tết Nguyên đán",
    body=(
        Para("Ủy ban nhân dân phường Phúc Lợi thông báo: trong thời gian nghỉ Tết Nguyên đán "
             "từ ngày 14/02/2026 đến hết ngày 22/02/2026, Bộ phận Một cửa tạm dừng tiếp nhận hồ "
             "sơ trực tiếp; người dân, doanh nghiệp tiếp tục nộp hồ sơ dịch vụ công trực tuyến "
             "trên Cổng Dịch vụ công quốc gia."),
        Para("Hồ sơ nộp trong thời gian nghỉ Tết được xử lý từ ngày 23/02/2026; thời hạn giải "
             "quyết tính từ ngày làm việc đầu tiên sau Tết. Hướng dẫn qua đường dây nóng "
             "024.3872.5566 trong giờ hành chính./."),
    ),
    recipients=("- Chủ tịch, các PCT UBND phường;", "- Trung tâm phục vụ hành chính công;",
                "- Các tổ dân phố;", "- Lưu: VT."),
    signer_authority="TL. CHỦ TỊCH", signer_title="CHÁNH VĂN PHÒNG", signer_name="Đào Văn Thịnh",
    color_mode="gray", dpi=200,
    degradation=Degradation(skew_deg=-0.2, blur_sigma=0.5),
    seed=606,
)

SAMPLES: tuple[Sample, ...] = (
    Sample("KH35_chuyen_doi_so_2026.pdf", "pdf", PLAN,
           "Party plan (KẾ HOẠCH), greyscale scan",
           "OCR, classify as not secret (thường), sign as PDF/A, store in the open archive, index",
           ("sổ tay đảng viên điện tử", "chuyển đổi số", "kho dữ liệu số của Đảng bộ"),
           jpeg_quality=65),
    Sample("QD118_BCD_cai_cach_hanh_chinh.pdf", "pdf", DECISION,
           "State decision (QUYẾT ĐỊNH), colour scan with red seal and red ĐẾN stamp",
           "OCR; the red seal and ĐẾN stamp are not secrecy marks: open archive, index",
           ("Ban Chỉ đạo cải cách hành chính", "cải cách hành chính", "chỉ số hài lòng")),
    Sample("BC231_van_thu_luu_tru_2025.tif", "tiff", REPORT,
           "State report (BÁO CÁO), 3-page bilevel TIFF, skewed",
           "OCR all 3 pages; body mentions 'bí mật nhà nước' but the document is not secret: "
           "open archive, index",
           ("phông lưu trữ", "số hóa tài liệu lưu trữ", "mét giá tài liệu")),
    Sample("SCAN_0042.pdf", "pdf", SECRET,
           "Party plan stamped MẬT (red double-border stamp), colour scan",
           "Classified MẬT: encrypted into the vault; never in the open store, index or logs; "
           "its phrases must not be found by open search",
           ("an ninh chính trị nội bộ", "tổ tuần tra vũ trang", "Tết Nguyên đán Bính Ngọ")),
    Sample("IMG_20251209_0815.jpg", "jpeg", LETTER,
           "State official letter (công văn, V/v), phone photo, stamped KHẨN only",
           "Urgent is not secret: OCR, open archive, index (hard negative for the stamp "
           "detector)",
           ("quyết toán ngân sách", "chứng từ chi thường xuyên")),
    Sample("TB57_lich_tiep_nhan_ho_so.png", "png", NOTICE,
           "State notice (THÔNG BÁO), short, greyscale PNG",
           "OCR, classify as not secret, open archive, index",
           ("dịch vụ công trực tuyến", "Bộ phận Một cửa")),
)


def write(sample: Sample, out: Path) -> tuple[Rendered, dict[str, Any]]:
    r = render(sample.spec)
    path = out / sample.file
    dpi = sample.spec.dpi
    if sample.fmt == "pdf":
        save_pdf(r.pages, path, dpi, jpeg_quality=sample.jpeg_quality)
    elif sample.fmt == "tiff":
        save_tiff(r.pages, path, dpi)
    elif sample.fmt == "png":
        save_png(r.pages[0], path, dpi)
    elif sample.fmt == "jpeg":
        save_jpeg(r.pages[0], path, None if sample.spec.degradation.photo else dpi,
                  quality=sample.jpeg_quality + 5)
    else:
        raise ValueError(sample.fmt)
    extra: dict[str, Any] = {
        "search_phrases": list(sample.phrases),
        "search_phrases_folded": [fold(p) for p in sample.phrases],
        "description": sample.what,
        "expected_pipeline": sample.pipeline,
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    if sample.spec.degradation.photo:
        extra["file_dpi_metadata"] = 72
    return r, ground_truth(r, sample.file, sample.fmt, **extra)


README_HEAD = """# Sample scans

Fictitious Vietnamese administrative documents (people, numbers and dates are invented) rendered
as office scans by `tools/docgen.py`. `make demo` ingests them; tests use them as fixtures.
Regenerate with `python samples/make_samples.py` from the repository root (deterministic:
byte-identical output given the same fonts and Pillow). The files here were made with Liberation
Serif 2 (Debian `fonts-liberation2`, metric-compatible with Times New Roman); Debian's older
`fonts-liberation` 1.x has no Vietnamese letters, so without version 2 the generator falls back
to DejaVu Serif and the output differs. This README and `manifest.json` are not ingested.

`manifest.json` holds the ground truth, with the field names of the shared dev corpus:
`text_per_page` (printed lines in reading order; stamps, seal and signature are not text),
`lines_per_page` (with pixel boxes as printed, before skew or perspective), `marks` (secrecy and
urgency stamps, the ĐẾN received stamp, seal, signature, with boxes and sizes in mm), metadata
(`doc_type`, `family`, `number_symbol`, `issuing_body`, `date`, `abstract`, `signer`,
`recipients`, `secrecy`, `urgency`, ...), `search_phrases` and their accent-folded forms.

"""

README_TAIL = """
Hard cases on purpose: the decision has two red marks that are not secrecy marks (the round seal
and the ĐẾN received stamp); the report's body speaks of "bí mật nhà nước" but is not secret and
loses all red in its bilevel scan; the letter is urgent (KHẨN, single border) but not secret and is
a phone photo whose JPEG says 72 dpi; only `SCAN_0042.pdf` is classified (red double-border MẬT
stamp under the number, plus "Số lượng: 05 bản." and "Không được phép sao, chụp." in its
recipients block).

Checked with the real OCR (`ocrmypdf -l vie+eng`, tesseract 5.3; the TIFF, PNG and JPEG first
wrapped with img2pdf): every search phrase above reads back exactly, with its diacritics, and so
do the signers' names, "MẬT", "KHẨN", "Số lượng: 05 bản." and "Không được phép sao, chụp.".
Expected OCR slips: the Party symbols read `35-KH/DU` / `41-KH/DU` (Đ read as D), and a bold
heading may lose its diacritics. The phone photo is the hardest (about 84% of words in order).
"""


def _readme(entries: list[dict[str, Any]]) -> str:
    rows = ["| file | what | family / type | number | date | secrecy / urgency | pages | "
            "colour, dpi | a correct pipeline | search phrase (folded) |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for sample, e in zip(SAMPLES, entries, strict=True):
        rows.append(
            f"| `{e['file']}` | {sample.what} | {e['family']} / {e['doc_type']} "
            f"| {e['number_symbol']} | {e['date']} | {e['secrecy']} / {e['urgency']} "
            f"| {e['pages']} | {e['color_mode']}, {e['dpi']} | {sample.pipeline} "
            f"| \"{sample.phrases[0]}\" (\"{fold(sample.phrases[0])}\") |")
    return README_HEAD + "\n".join(rows) + "\n" + README_TAIL


def main(out: Path = HERE) -> list[dict[str, Any]]:
    entries = []
    for sample in SAMPLES:
        r, entry = write(sample, out)
        for phrase in sample.phrases:
            text = " ".join(" ".join(r.text_per_page).split())
            if phrase not in text:
                raise SystemExit(f"{sample.file}: phrase {phrase!r} is not printed in the document")
        entries.append(entry)
    # the first phrase of each sample is unique to it, so a search for it has one right answer
    for sample, entry in zip(SAMPLES, entries, strict=True):
        for other in entries:
            joined = " ".join(" ".join(other["text_per_page"]).split())
            if other is not entry and sample.phrases[0] in joined:
                raise SystemExit(f"{sample.phrases[0]!r} also printed in {other['file']}")
        print(f"{sample.file}: {entry['pages']} page(s), {entry['bytes']} bytes")
    (out / "manifest.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    (out / "README.md").write_text(_readme(entries), encoding="utf-8")
    return entries


if __name__ == "__main__":
    main()
