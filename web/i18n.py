"""Every string the web UI shows, in Vietnamese (default) and English, plus number and date
formats. Templates call `_(KEY)`; a test checks both languages have the same keys and that
every key a template uses exists.

Dates are shown the Vietnamese way, dd/mm/yyyy, in both languages; times in Vietnam's time
(UTC+7, no daylight saving).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

LANGUAGES = ("vi", "en")
VN_TZ = timezone(timedelta(hours=7), "ICT")

VI: dict[str, str] = {
    "app.name": "Lưu trữ số",
    "app.footer": "sohoa · Số hóa và lưu trữ văn bản",
    "app.skip": "Bỏ qua tới nội dung",
    "nav.label": "Điều hướng chính",
    "nav.search": "Tra cứu",
    "nav.upload": "Tải lên",
    "nav.review": "Xét duyệt",
    "nav.ingest": "Tiếp nhận",
    "nav.dashboard": "Tổng quan",
    "nav.audit": "Kiểm tra",
    "nav.export": "Xuất gói",
    "nav.vault": "Kho mật",
    "vault.title": "Kho tài liệu mật",
    "vault.intro": (
        "Tài liệu mật mà bạn được phép tiếp cận. Đọc nội dung cần mở khóa kho bằng mật khẩu kho "
        "mật; khóa chỉ mở cho phiên làm việc này và tự đóng khi đăng xuất hoặc sau 15 phút "
        "không dùng. Mọi lần xem, tải, in đều được ghi nhật ký."
    ),
    "vault.passphrase": "Mật khẩu kho mật",
    "vault.unlock": "Mở khóa kho mật",
    "vault.lock": "Khóa kho mật",
    "vault.is_unlocked": "Kho mật đang mở cho phiên này.",
    "vault.unlocked": "Đã mở khóa kho mật cho phiên này.",
    "vault.locked": "Đã khóa kho mật.",
    "vault.wrong_passphrase": "Sai mật khẩu kho mật.",
    "vault.busy": "Máy chủ đang bận, chưa kiểm tra được mật khẩu kho mật. Hãy thử lại sau ít phút.",
    "vault.document": "Tài liệu",
    "vault.empty": "Không có tài liệu mật nào bạn được phép tiếp cận.",
    "vault.read": "Đọc trong kho mật",
    "vault.read_note": (
        "Nội dung được giải mã trong bộ nhớ cho lần xem này và không lưu lại. Bản tải về là bản "
        "sao có đánh số, được ghi vào sổ đăng ký bản sao."
    ),
    "vault.marked_copy": "Xem / in bản sao có đánh số",
    "vault.text": "Nội dung nhận dạng",
    "vault.copies": "Sổ đăng ký bản sao",
    "nav.users": "Tài khoản",
    "nav.account": "Mật khẩu",
    "nav.logout": "Đăng xuất",
    "nav.signed_in_as": "Đăng nhập: {name} ({role})",
    "lang.switch": "English",
    "lang.switch_label": "Chuyển sang tiếng Anh",
    "role.viewer": "người xem",
    "role.archivist": "lưu trữ viên",
    "role.officer": "cán bộ bảo mật",
    "role.admin": "quản trị",
    "secrecy.none": "Thường",
    "secrecy.mat": "MẬT",
    "secrecy.toi_mat": "TỐI MẬT",
    "secrecy.tuyet_mat": "TUYỆT MẬT",
    # login and account
    "login.title": "Đăng nhập",
    "login.name": "Tên đăng nhập",
    "login.password": "Mật khẩu",
    "login.submit": "Đăng nhập",
    "login.failed": "Sai tên đăng nhập hoặc mật khẩu.",
    "login.limited": "Quá nhiều lần đăng nhập sai. Thử lại sau {seconds} giây.",
    "login.expired": "Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.",
    "logout.done": "Đã đăng xuất.",
    "account.title": "Đổi mật khẩu",
    "account.current": "Mật khẩu hiện tại",
    "account.new": "Mật khẩu mới (ít nhất {n} ký tự)",
    "account.confirm": "Nhập lại mật khẩu mới",
    "account.submit": "Đổi mật khẩu",
    "account.wrong": "Mật khẩu hiện tại không đúng.",
    "account.mismatch": "Hai mật khẩu mới không giống nhau.",
    "account.too_short": "Mật khẩu mới phải có ít nhất {n} ký tự.",
    "account.changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.",
    # errors
    "error.title": "Lỗi",
    "error.400": "Biểu mẫu không hợp lệ hoặc đã hết hạn. Hãy tải lại trang và thử lại.",
    "error.403": "Bạn không có quyền dùng chức năng này.",
    "error.404": "Không tìm thấy.",
    "error.405": "Thao tác không được hỗ trợ.",
    "error.413": "Tệp quá lớn (tối đa {mb} MB).",
    "error.429": "Quá nhiều yêu cầu. Thử lại sau.",
    "error.500": "Đã có lỗi. Lỗi đã được ghi lại; hãy thử lại sau.",
    "error.back": "Về trang tra cứu",
    # search
    "search.title": "Tra cứu",
    "search.label": "Tìm văn bản",
    "search.placeholder": "Ví dụ: cải cách hành chính, 27-KH/ĐU",
    "search.submit": "Tìm",
    "search.filters": "Bộ lọc",
    "search.type": "Loại văn bản",
    "search.type_any": "Mọi loại văn bản",
    "search.year": "Năm ban hành",
    "search.body": "Cơ quan ban hành",
    "search.body_any": "Mọi cơ quan",
    "search.sort": "Sắp xếp",
    "search.sort.relevance": "Phù hợp nhất",
    "search.sort.date_desc": "Mới nhất",
    "search.sort.date_asc": "Cũ nhất",
    "search.count": "{n} kết quả",
    "search.fuzzy": "(tìm gần đúng)",
    "search.none": "Không có văn bản nào phù hợp. Hãy thử từ khác, có hoặc không dấu.",
    "search.facet_type": "Theo loại văn bản",
    "search.facet_body": "Theo cơ quan ban hành",
    "search.facet_year": "Theo năm",
    "search.active": "Đang lọc",
    "search.remove_filter": "Bỏ lọc: {label}",
    "search.clear": "Xóa bộ lọc",
    "search.facets": "Lọc theo kết quả",
    "search.facet_signer": "Theo người ký",
    "search.facet_file": "Theo hồ sơ",
    "search.signer": "Người ký",
    "search.file_code": "Hồ sơ",
    "search.date_from": "Từ ngày",
    "search.date_to": "Đến ngày",
    "date.placeholder": "dd/mm/yyyy",
    "date.invalid": "Ngày không hợp lệ: viết theo dạng ngày/tháng/năm, ví dụ 15/08/2025.",
    "search.number": "Số {n}",
    "search.recent": "Văn bản mới lưu trữ",
    "search.empty_archive": "Kho chưa có văn bản nào. Hãy tải lên bản quét đầu tiên.",
    "pager.label": "Trang kết quả",
    "pager.prev": "« Trang trước",
    "pager.next": "Trang sau »",
    "pager.page": "Trang {n}",
    # document
    "doc.untitled": "Văn bản",
    "doc.number": "số {n}",
    "doc.pages_label": "Trang văn bản",
    "doc.page": "Trang {n}",
    "doc.page_confidence": "độ tin cậy OCR {c}%",
    "doc.facts": "Thông tin văn bản",
    "doc.type": "Loại văn bản",
    "doc.number_symbol": "Số, ký hiệu",
    "doc.date": "Ngày ban hành",
    "doc.body": "Cơ quan ban hành",
    "doc.signer": "Người ký",
    "doc.secrecy": "Độ mật",
    "doc.pages": "Số trang",
    "doc.file_name": "Tên tệp gốc",
    "doc.received": "Ngày tiếp nhận",
    "doc.archived": "Ngày lưu trữ",
    "doc.ocr": "Nhận dạng chữ (OCR)",
    "doc.ocr_mean": "Độ tin cậy trung bình",
    "doc.ocr_engine": "Công cụ",
    "doc.review": "Cần xét duyệt",
    "doc.integrity": "Toàn vẹn",
    "doc.signature": "Chữ ký số",
    "doc.signer_cert": "Ký bởi",
    "doc.signed_at": "Thời điểm ký",
    "doc.sha_original": "SHA-256 bản gốc",
    "doc.sha_archival": "SHA-256 bản lưu trữ (PDF/A)",
    "doc.audit": "Kiểm tra toàn vẹn",
    "doc.audit.never": "Chưa kiểm tra lần nào.",
    "doc.audit.ok": "Không có vấn đề (lần kiểm tra {at}).",
    "doc.audit.problems": "Có vấn đề ở lần kiểm tra {at}:",
    "doc.history": "Lịch sử",
    "doc.history_none": "Chưa có sự kiện.",
    "doc.downloads": "Tải về",
    "doc.view_pdf": "Xem PDF/A đã ký",
    "doc.download_pdf": "Tải PDF/A đã ký",
    "doc.download_original": "Tải bản gốc",
    "doc.classified_title": "Tài liệu mật",
    "doc.classified_note": (
        "Nội dung tài liệu mật được mã hóa trong kho mật. Mọi lần truy cập đều được ghi "
        "nhật ký."
    ),
    "doc.status": "Trạng thái",
    "sig.valid": "Hợp lệ",
    "sig.unsigned": "Chưa ký",
    "sig.broken": "Bị hỏng (tệp đã bị sửa sau khi ký)",
    "sig.partial-coverage": "Không phủ toàn bộ tệp",
    "sig.untrusted": "Chứng thư không được tin cậy",
    "sig.invalid": "Không hợp lệ",
    "status.archived": "Đã lưu trữ",
    "status.classified": "Tài liệu mật, đã đưa vào kho mật",
    "status.held": "TUYỆT MẬT, tạm giữ chờ cán bộ quyết định",
    "status.duplicate": "Trùng với văn bản đã có",
    "status.quarantined": "Cách ly",
    "status.queued": "Đang chờ xử lý",
    "status.processing": "Đang xử lý",
    "status.retry": "Đang chờ thử lại",
    "status.error": "Lỗi",
    "event.init": "Khởi tạo kho",
    "event.upload": "Tải lên",
    "event.archive": "Lưu trữ và ký số",
    "event.vault": "Đưa vào kho mật",
    "event.hold": "Tạm giữ (TUYỆT MẬT)",
    "event.duplicate": "Nhận bản trùng",
    "event.quarantine": "Cách ly",
    "event.quarantine_retry": "Thử xử lý lại",
    "event.quarantine_discard": "Hủy tệp cách ly",
    "event.access": "Truy cập tài liệu mật",
    "event.review": "Xét duyệt",
    "event.correct": "Sửa thông tin",
    "event.declassify": "Giải mật",
    "event.reclassify": "Đổi độ mật",
    "event.audit": "Kiểm tra toàn vẹn",
    "event.login": "Đăng nhập",
    "event.by": "bởi {actor}",
    "event.denied": "bị từ chối",
    "review_reason.low_ocr_confidence": "Độ tin cậy OCR thấp (trang {pages})",
    "review_reason.secrecy_uncertain": "Chưa chắc về độ mật",
    "review_reason.no_text": "Không nhận dạng được chữ",
    # review, export
    "review.title": "Hàng chờ xét duyệt",
    "review.intro": (
        "Văn bản cần người kiểm tra lại độ mật hoặc thông tin. Mở từng văn bản để xác nhận "
        "hoặc sửa; mọi thay đổi đều được ghi nhật ký (ai, khi nào, trước và sau)."
    ),
    "review.none": "Không có văn bản nào chờ xét duyệt.",
    "review.document": "Văn bản",
    "review.reasons": "Lý do",
    "review.confidence": "OCR",
    "review.received": "Tiếp nhận",
    "review.count": "{n} văn bản chờ xét duyệt",
    "review.from_document": "Xét duyệt, sửa thông tin",
    "review.first": "(hiện {n} văn bản cũ nhất)",
    "review.received_at": "tiếp nhận {at}",
    "review.pages": "{n} trang",
    "review.ocr": "OCR {c}%",
    "review.vault_stub": "Tài liệu mật (kho mật)",
    "review.vault_note": (
        "Tài liệu mật chỉ hiện thông tin tóm tắt ở đây. Nội dung và các quyết định khác "
        "(giải mật, tạm giữ TUYỆT MẬT) ở trang tài liệu trong kho mật."
    ),
    "review.held_note": "Tài liệu TUYỆT MẬT đang tạm giữ: cán bộ quyết định ở trang tài liệu.",
    "review.item_title": "Xét duyệt",
    "review.back": "Hàng chờ xét duyệt",
    "review.not_queued": "Không trong hàng chờ",
    "review.open_document": "Mở trang văn bản",
    "review.page_with_boxes": "Trang {n}, {k} vị trí dấu hiệu được khoanh",
    "review.decision": "Quyết định độ mật",
    "review.confidence_decision": "Độ tin cậy",
    "review.detected": "Dấu hiệu cho thấy",
    "review.evidence": "Dấu hiệu",
    "review.evidence_none": "Không thấy dấu hiệu độ mật nào.",
    "review.score": "điểm {s}%",
    "review.confirm": "Xác nhận đúng",
    "review.confirm_help": "Độ mật và thông tin giữ nguyên; văn bản rời hàng chờ.",
    "review.confirm_level": "Xác nhận độ mật {level}",
    "review.change_level": "Đổi độ mật trong kho mật",
    "review.save_level": "Lưu độ mật",
    "review.correct_title": "Sửa độ mật và thông tin",
    "review.secrecy_field": "Độ mật",
    "review.secrecy_help": (
        "Chọn MẬT, TỐI MẬT hoặc TUYỆT MẬT để chuyển văn bản vào kho mật (có bước xác nhận)."
    ),
    "review.type_none": "Chưa rõ",
    "review.save": "Lưu chỉnh sửa",
    "review.problems": "Chưa lưu được. Hãy sửa:",
    "review.problem.family": "Khối văn bản không hợp lệ",
    "review.problem.doc_type": "Loại văn bản không hợp lệ",
    "review.problem.urgency": "Độ khẩn không hợp lệ",
    "review.problem.date": "Ngày ban hành phải là một ngày có thật",
    "review.problem.recipients": "Quá nhiều nơi nhận",
    "review.problem.secrecy": "Độ mật không hợp lệ",
    "review.move_title": "Chuyển văn bản vào kho mật?",
    "review.move_warning": (
        "Văn bản sẽ được mã hóa vào kho mật với độ mật {level} và rời khỏi kho mở hoàn "
        "toàn: không còn trong kết quả tra cứu, trang văn bản và ảnh trang; bản trong kho mở "
        "bị xóa. Việc này được ghi nhật ký."
    ),
    "review.move_not_cleared": (
        "Bạn không được tiếp cận độ mật này: sau khi chuyển, bạn sẽ không xem được văn bản."
    ),
    "review.move_confirm": "Chuyển vào kho mật ({level})",
    "review.move_cancel": "Quay lại",
    "review.confirmed": "Đã xác nhận. Văn bản rời hàng chờ.",
    "review.confirmed_unchanged": "Không có thay đổi: đã xác nhận như cũ.",
    "review.corrected": "Đã lưu chỉnh sửa (phiên bản mới của hồ sơ văn bản).",
    "review.moved": "Đã chuyển văn bản vào kho mật ({level}).",
    "review.level_changed": "Đã đổi độ mật thành {level}.",
    "review.stale": "Văn bản vừa được người khác thay đổi. Hãy xem lại rồi làm lại.",
    "review.refused": "Không thực hiện được thao tác này với văn bản này.",
    "field.family": "Khối",
    "field.doc_type": "Loại văn bản",
    "field.number_symbol": "Số, ký hiệu",
    "field.date": "Ngày ban hành",
    "field.place": "Địa danh",
    "field.issuing_body": "Cơ quan ban hành",
    "field.parent_body": "Cơ quan cấp trên",
    "field.abstract": "Trích yếu",
    "field.urgency": "Độ khẩn",
    "field.signer": "Người ký",
    "field.signer_title": "Chức vụ người ký",
    "field.signer_authority": "Thẩm quyền ký (T/M, K/T, TM., KT.)",
    "field.recipients": "Nơi nhận (mỗi dòng một nơi)",
    "family.none": "Chưa rõ",
    "family.party": "Văn bản của Đảng",
    "family.state": "Văn bản hành chính Nhà nước",
    "urgency.none": "Không khẩn",
    "urgency.khan": "Khẩn",
    "urgency.thuong_khan": "Thượng khẩn",
    "urgency.hoa_toc": "Hỏa tốc",
    "event.review_confirm": "Xác nhận khi xét duyệt",
    "event.review_correct": "Sửa khi xét duyệt",
    "signal.stamp_text": "Dấu độ mật (đọc được chữ)",
    "signal.stamp_size": "Khung dấu rộng như dấu độ mật cao hơn",
    "signal.stamp_shape": "Khung dấu độ mật (không đọc được chữ)",
    "signal.urgency_stamp": "Dấu độ khẩn",
    "signal.declassified_stamp": "Dấu GIẢI MẬT",
    "signal.recall_stamp": "Dấu THU HỒI",
    "signal.other_stamp": "Dấu khác",
    "signal.header_line": "Dòng độ mật ở phần đầu văn bản",
    "signal.urgency_text": "Dòng độ khẩn ở phần đầu",
    "signal.declassified_line": "Dòng GIẢI MẬT",
    "signal.recall_line": "Dòng THU HỒI",
    "signal.copy_forbidden": "“Không được phép sao, chụp” ở nơi nhận",
    "signal.copy_count": "“Số lượng: NN bản” ở nơi nhận",
    "signal.copy_number": "Bản số NN ở nơi nhận",
    "export.title": "Xuất gói tài liệu mật",
    "export.intro": (
        "Chọn tài liệu mật và người nhận để tải về một gói đã mã hóa (age) chỉ người nhận mở "
        "được: bản gốc, bản PDF/A đã ký, bản sao có đánh số, thông tin văn bản và bằng chứng "
        "lưu trữ. Người nhận kiểm tra gói bằng lệnh sohoa verify-export."
    ),
    "export.locked_note": (
        "Cần mở khóa kho mật để chọn tài liệu và xuất gói. Sau khi mở khóa, bạn quay lại "
        "trang này."
    ),
    "export.locked": "Kho mật đang khóa: hãy mở khóa rồi xuất lại.",
    "export.empty": "Không có tài liệu mật nào bạn được phép xuất.",
    "export.documents": "Tài liệu",
    "export.level": "Hoặc xuất cả một độ mật",
    "export.level_none": "Chỉ các tài liệu đã chọn",
    "export.level_all": "Tất cả tài liệu {level} ({n})",
    "export.recipients_legend": "Người nhận",
    "export.recipients": (
        "Khóa công khai age của người nhận (bắt đầu bằng age1…), mỗi dòng một khóa"
    ),
    "export.recipients_help": (
        "Gói chỉ giải mã được bằng khóa bí mật của một trong những người nhận này. Tối đa {n} "
        "người nhận; dòng trống và dòng bắt đầu bằng # được bỏ qua. Không bao giờ dán khóa "
        "bí mật (AGE-SECRET-KEY-…) vào đây."
    ),
    "export.options": "Tùy chọn",
    "export.marked": "Kèm bản sao đóng dấu “BẢN SAO SỐ NN” và ký số lại",
    "export.note": (
        "Mỗi tài liệu được cấp một số bản sao trong sổ đăng ký bản sao; lần xuất được ghi nhật "
        "ký (người xuất, tài liệu, người nhận). Ký số bản sao có thể mất một lúc."
    ),
    "export.submit": "Xuất và tải gói đã mã hóa",
    "export.problems": "Chưa xuất được gói. Hãy sửa:",
    "export.no_documents": "Hãy chọn ít nhất một tài liệu hoặc một độ mật.",
    "export.level_empty": "Không có tài liệu {level} nào đã xử lý xong để xuất.",
    "export.held": (
        "Tài liệu {id} là TUYỆT MẬT đang tạm giữ chờ cán bộ quyết định: chưa xuất được."
    ),
    "export.no_recipients": "Hãy nhập khóa công khai của ít nhất một người nhận.",
    "export.bad_recipient": (
        "Dòng {line}: “{text}” không phải khóa công khai age (khóa bắt đầu bằng age1…)."
    ),
    "export.secret_key": (
        "Dòng {line} là một khóa bí mật (AGE-SECRET-KEY-…), không phải khóa công khai: dòng này "
        "đã được xóa khỏi ô nhập. Chỉ dán khóa công khai age1… của người nhận."
    ),
    "export.too_many_recipients": "Tối đa {n} người nhận cho mỗi lần xuất.",
    # upload
    "upload.title": "Tải lên bản quét",
    "upload.intro": (
        "Tệp PDF, TIFF, JPEG hoặc PNG, tối đa {mb} MB mỗi lần. Văn bản được nhận dạng, "
        "phân loại độ mật, ký số và lưu trữ tự động."
    ),
    "upload.drop": "Kéo thả tệp vào đây hoặc bấm để chọn tệp",
    "upload.files": "Chọn tệp",
    "upload.submit": "Tải lên",
    "upload.progress": "Đang gửi tệp",
    "upload.none": "Chưa chọn tệp nào.",
    "upload.empty": "Tệp rỗng: {name}",
    "upload.failed": "Không gửi được tệp. Hãy thử lại.",
    "upload.jobs": "Tệp đã gửi",
    "upload.name": "Tệp",
    "upload.state": "Trạng thái",
    "upload.open": "Mở văn bản",
    "upload.workers_down": "Bộ xử lý nền đang không chạy: tệp sẽ chờ trong hàng đợi.",
    # ingest status
    "ingest.title": "Tình trạng tiếp nhận",
    "ingest.queue": "Hàng đợi",
    "ingest.queued": "Đang chờ",
    "ingest.processing": "Đang xử lý",
    "ingest.done": "Đã xong",
    "ingest.rate": "Tốc độ giờ qua: {n} trang/phút",
    "ingest.workers": "Bộ xử lý nền",
    "ingest.workers_on": "đang chạy",
    "ingest.workers_off": "không chạy trong tiến trình web",
    "ingest.recent": "Tệp gần đây",
    "ingest.when": "Thời điểm",
    "ingest.classified_name": "(tài liệu mật)",
    "ingest.quarantine": "Khu cách ly",
    "ingest.quarantine_none": "Không có tệp nào bị cách ly.",
    "ingest.reason": "Lý do",
    "ingest.size": "Dung lượng",
    "ingest.retry": "Xử lý lại",
    "ingest.discard": "Hủy tệp",
    "ingest.discard_confirm": "Tôi xác nhận hủy tệp này",
    "ingest.retried": "Đã đưa tệp vào hàng đợi để xử lý lại.",
    "ingest.discarded": "Đã hủy tệp. Quyết định và mã băm được ghi trong nhật ký.",
    "ingest.need_confirm": "Hãy đánh dấu ô xác nhận trước khi hủy.",
    "ingest.retrying": "đang xử lý lại",
    "reason.corrupt": "Tệp hỏng",
    "reason.encrypted": "Tệp được mã hóa hoặc có mật khẩu",
    "reason.empty": "Tệp rỗng",
    "reason.unsupported": "Định dạng không hỗ trợ",
    "reason.truncated": "Tệp bị cắt cụt",
    "reason.too_large": "Tệp quá lớn",
    "reason.too_many_pages": "Quá nhiều trang",
    "reason.image_too_large": "Ảnh quá lớn",
    "reason.no_pages": "Không có trang nào",
    "reason.javascript": "PDF chứa mã JavaScript",
    "reason.embedded_files": "PDF chứa tệp đính kèm",
    "reason.ocr_failed": "Nhận dạng chữ thất bại",
    "reason.ocr_timeout": "Nhận dạng chữ quá thời gian",
    "reason.pdfa_failed": "Không tạo được PDF/A",
    "reason.sign_failed": "Ký số thất bại",
    "reason.internal_error": "Lỗi nội bộ",
    # audit
    "audit.title": "Kiểm tra toàn vẹn",
    "audit.intro": (
        "Băm lại mọi đối tượng đã lưu, kiểm tra chữ ký của từng PDF/A, chuỗi nhật ký sự "
        "kiện và chỉ mục tìm kiếm."
    ),
    "audit.run": "Chạy kiểm tra",
    "audit.running": "Đang kiểm tra… Trang sẽ tự cập nhật.",
    "audit.started": "Đã bắt đầu kiểm tra.",
    "audit.already": "Một lần kiểm tra đang chạy.",
    "audit.failed": "Lần kiểm tra vừa rồi bị lỗi ({error}).",
    "audit.latest": "Lần kiểm tra gần nhất",
    "audit.never": "Chưa có báo cáo kiểm tra.",
    "audit.ok": "Không phát hiện vấn đề.",
    "audit.problems": "{n} vấn đề",
    "audit.at": "Thời điểm",
    "audit.documents": "Tài liệu",
    "audit.checked": "Đối tượng đã băm",
    "audit.events": "Sự kiện trong nhật ký",
    "audit.seconds": "Thời gian (giây)",
    "audit.kind": "Loại",
    "audit.detail": "Chi tiết",
    # dashboard
    "dash.title": "Tổng quan",
    "dash.documents": "Văn bản đã số hóa",
    "dash.pages": "Số trang",
    "dash.signed": "Tỷ lệ đã ký số",
    "dash.time": "Thời gian xử lý trung bình",
    "dash.time_value": "{doc} giây/văn bản · {page} giây/trang",
    "dash.review": "Chờ xét duyệt",
    "dash.quarantine": "Bị cách ly",
    "dash.duplicates": "Bản trùng",
    "dash.queue": "Trong hàng đợi",
    "dash.classified": "Tài liệu mật (kho mật)",
    "dash.classified_review": "Tài liệu mật chờ xét duyệt",
    "dash.by_month": "Theo tháng",
    "dash.chart_docs": "Số văn bản lưu trữ theo tháng",
    "dash.chart_signed": "Tỷ lệ ký số theo tháng (%)",
    "dash.chart_time": "Giây xử lý mỗi trang theo tháng",
    "dash.month": "Tháng",
    "dash.none": "Chưa có số liệu.",
    # users
    "users.title": "Tài khoản người dùng",
    "users.name": "Tên đăng nhập",
    "users.role": "Vai trò",
    "users.clearance": "Được tiếp cận",
    "users.created": "Ngày tạo",
    "users.state": "Tình trạng",
    "users.active": "Đang dùng",
    "users.disabled": "Đã khóa",
    "users.disable": "Khóa",
    "users.enable": "Mở khóa",
    "users.add": "Thêm tài khoản",
    "users.password": "Mật khẩu ban đầu (ít nhất {n} ký tự)",
    "users.added": "Đã tạo tài khoản {name}.",
    "users.updated": "Đã cập nhật tài khoản {name}.",
    "users.self": "Không thể tự khóa tài khoản của mình.",
    "users.cli": (
        "Trên máy chủ: sohoa user add TÊN --role VAI_TRÒ [--clearance MỨC] "
        "--password-stdin"
    ),
}

EN: dict[str, str] = {
    "app.name": "Digital archive",
    "app.footer": "sohoa · Document digitization and archive",
    "app.skip": "Skip to content",
    "nav.label": "Main navigation",
    "nav.search": "Search",
    "nav.upload": "Upload",
    "nav.review": "Review",
    "nav.ingest": "Ingest",
    "nav.dashboard": "Dashboard",
    "nav.audit": "Audit",
    "nav.export": "Export",
    "nav.vault": "Vault",
    "vault.title": "Classified vault",
    "vault.intro": (
        "Classified documents you are cleared for. Reading them needs the vault passphrase; the "
        "vault opens for this session only and locks when you sign out or after 15 idle "
        "minutes. Every view, download and print is logged."
    ),
    "vault.passphrase": "Vault passphrase",
    "vault.unlock": "Unlock the vault",
    "vault.lock": "Lock the vault",
    "vault.is_unlocked": "The vault is unlocked for this session.",
    "vault.unlocked": "The vault is unlocked for this session.",
    "vault.locked": "The vault is locked.",
    "vault.wrong_passphrase": "Wrong vault passphrase.",
    "vault.busy": "The server is too busy to check the vault passphrase now. Try again shortly.",
    "vault.document": "Document",
    "vault.empty": "No classified document you are cleared for.",
    "vault.read": "Read in the vault",
    "vault.read_note": (
        "The content is decrypted in memory for this view and not kept. A download is a "
        "numbered copy, entered in the copy register."
    ),
    "vault.marked_copy": "View / print a numbered copy",
    "vault.text": "Recognised text",
    "vault.copies": "Copy register",
    "nav.users": "Users",
    "nav.account": "Password",
    "nav.logout": "Sign out",
    "nav.signed_in_as": "Signed in: {name} ({role})",
    "lang.switch": "Tiếng Việt",
    "lang.switch_label": "Switch to Vietnamese",
    "role.viewer": "viewer",
    "role.archivist": "archivist",
    "role.officer": "security officer",
    "role.admin": "administrator",
    "secrecy.none": "Not classified",
    "secrecy.mat": "MẬT (confidential)",
    "secrecy.toi_mat": "TỐI MẬT (secret)",
    "secrecy.tuyet_mat": "TUYỆT MẬT (top secret)",
    "login.title": "Sign in",
    "login.name": "User name",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.failed": "Wrong user name or password.",
    "login.limited": "Too many failed sign-ins. Try again in {seconds} seconds.",
    "login.expired": "Your session has ended. Please sign in again.",
    "logout.done": "Signed out.",
    "account.title": "Change password",
    "account.current": "Current password",
    "account.new": "New password (at least {n} characters)",
    "account.confirm": "New password again",
    "account.submit": "Change password",
    "account.wrong": "The current password is wrong.",
    "account.mismatch": "The two new passwords differ.",
    "account.too_short": "The new password needs at least {n} characters.",
    "account.changed": "Password changed. Your other sessions have ended.",
    "error.title": "Error",
    "error.400": "The form is invalid or has expired. Reload the page and try again.",
    "error.403": "You are not allowed to use this function.",
    "error.404": "Not found.",
    "error.405": "This action is not supported.",
    "error.413": "The file is too large (at most {mb} MB).",
    "error.429": "Too many requests. Try again later.",
    "error.500": "Something went wrong. It has been logged; please try again later.",
    "error.back": "Back to search",
    "search.title": "Search",
    "search.label": "Search documents",
    "search.placeholder": "e.g. cải cách hành chính, 27-KH/ĐU",
    "search.submit": "Search",
    "search.filters": "Filters",
    "search.type": "Document type",
    "search.type_any": "Any document type",
    "search.year": "Year issued",
    "search.body": "Issuing body",
    "search.body_any": "Any body",
    "search.sort": "Sort",
    "search.sort.relevance": "Most relevant",
    "search.sort.date_desc": "Newest first",
    "search.sort.date_asc": "Oldest first",
    "search.count": "{n} results",
    "search.fuzzy": "(approximate matches)",
    "search.none": "No document matches. Try other words, with or without diacritics.",
    "search.facet_type": "By document type",
    "search.facet_body": "By issuing body",
    "search.facet_year": "By year",
    "search.active": "Filtered by",
    "search.remove_filter": "Remove filter: {label}",
    "search.clear": "Clear filters",
    "search.facets": "Narrow the results",
    "search.facet_signer": "By signer",
    "search.facet_file": "By file",
    "search.signer": "Signer",
    "search.file_code": "File",
    "search.date_from": "From",
    "search.date_to": "To",
    "date.placeholder": "dd/mm/yyyy",
    "date.invalid": "Not a date: write day/month/year, e.g. 15/08/2025.",
    "search.number": "No. {n}",
    "search.recent": "Recently archived",
    "search.empty_archive": "The archive is empty. Upload the first scan.",
    "pager.label": "Result pages",
    "pager.prev": "« Previous",
    "pager.next": "Next »",
    "pager.page": "Page {n}",
    "doc.untitled": "Document",
    "doc.number": "no. {n}",
    "doc.pages_label": "Document pages",
    "doc.page": "Page {n}",
    "doc.page_confidence": "OCR confidence {c}%",
    "doc.facts": "Document details",
    "doc.type": "Document type",
    "doc.number_symbol": "Number and symbol",
    "doc.date": "Date issued",
    "doc.body": "Issuing body",
    "doc.signer": "Signed by",
    "doc.secrecy": "Classification",
    "doc.pages": "Pages",
    "doc.file_name": "Original file name",
    "doc.received": "Received",
    "doc.archived": "Archived",
    "doc.ocr": "Text recognition (OCR)",
    "doc.ocr_mean": "Mean confidence",
    "doc.ocr_engine": "Engine",
    "doc.review": "Needs review",
    "doc.integrity": "Integrity",
    "doc.signature": "Digital signature",
    "doc.signer_cert": "Signed by",
    "doc.signed_at": "Signed at",
    "doc.sha_original": "SHA-256 of the original",
    "doc.sha_archival": "SHA-256 of the archival copy (PDF/A)",
    "doc.audit": "Integrity audit",
    "doc.audit.never": "Never audited.",
    "doc.audit.ok": "No problem (audit of {at}).",
    "doc.audit.problems": "Problems found by the audit of {at}:",
    "doc.history": "History",
    "doc.history_none": "No events yet.",
    "doc.downloads": "Downloads",
    "doc.view_pdf": "View the signed PDF/A",
    "doc.download_pdf": "Download the signed PDF/A",
    "doc.download_original": "Download the original",
    "doc.classified_title": "Classified document",
    "doc.classified_note": (
        "The content of classified documents is encrypted in the vault. Every access is "
        "logged."
    ),
    "doc.status": "Status",
    "sig.valid": "Valid",
    "sig.unsigned": "Not signed",
    "sig.broken": "Broken (the file changed after signing)",
    "sig.partial-coverage": "Does not cover the whole file",
    "sig.untrusted": "Certificate not trusted",
    "sig.invalid": "Invalid",
    "status.archived": "Archived",
    "status.classified": "Classified: moved to the vault",
    "status.held": "TUYỆT MẬT: held for an officer's decision",
    "status.duplicate": "Duplicate of an archived document",
    "status.quarantined": "Quarantined",
    "status.queued": "Waiting",
    "status.processing": "Processing",
    "status.retry": "Waiting to retry",
    "status.error": "Error",
    "event.init": "Archive created",
    "event.upload": "Uploaded",
    "event.archive": "Archived and signed",
    "event.vault": "Moved to the vault",
    "event.hold": "Held (TUYỆT MẬT)",
    "event.duplicate": "Duplicate received",
    "event.quarantine": "Quarantined",
    "event.quarantine_retry": "Retried",
    "event.quarantine_discard": "Quarantined file discarded",
    "event.access": "Classified record accessed",
    "event.review": "Reviewed",
    "event.correct": "Details corrected",
    "event.declassify": "Declassified",
    "event.reclassify": "Classification changed",
    "event.audit": "Integrity audit",
    "event.login": "Signed in",
    "event.by": "by {actor}",
    "event.denied": "denied",
    "review_reason.low_ocr_confidence": "Low OCR confidence (page {pages})",
    "review_reason.secrecy_uncertain": "Classification uncertain",
    "review_reason.no_text": "No text recognised",
    "review.title": "Review queue",
    "review.intro": (
        "Documents whose classification or details a person should check. Open one to "
        "confirm or correct it; every change is logged (who, when, before and after)."
    ),
    "review.none": "Nothing is waiting for review.",
    "review.document": "Document",
    "review.reasons": "Reasons",
    "review.confidence": "OCR",
    "review.received": "Received",
    "review.count": "{n} documents awaiting review",
    "review.from_document": "Review or correct",
    "review.first": "(the {n} oldest shown)",
    "review.received_at": "received {at}",
    "review.pages": "{n} pages",
    "review.ocr": "OCR {c}%",
    "review.vault_stub": "Classified document (vault)",
    "review.vault_note": (
        "Only a summary of a classified document is shown here. Its content and the other "
        "decisions (declassification, TUYỆT MẬT holds) are on its page in the vault."
    ),
    "review.held_note": "A TUYỆT MẬT document on hold: an officer decides on its page.",
    "review.item_title": "Review",
    "review.back": "Review queue",
    "review.not_queued": "Not in the queue",
    "review.open_document": "Open the document page",
    "review.page_with_boxes": "Page {n}, {k} evidence locations outlined",
    "review.decision": "Secrecy decision",
    "review.confidence_decision": "Confidence",
    "review.detected": "Signals suggest",
    "review.evidence": "Evidence",
    "review.evidence_none": "No secrecy mark was found.",
    "review.score": "score {s}%",
    "review.confirm": "Confirm as correct",
    "review.confirm_help": "Secrecy and metadata stay as they are; the document leaves the queue.",
    "review.confirm_level": "Confirm the level {level}",
    "review.change_level": "Change the level within the vault",
    "review.save_level": "Save the level",
    "review.correct_title": "Correct secrecy and metadata",
    "review.secrecy_field": "Secrecy",
    "review.secrecy_help": (
        "Choose MẬT, TỐI MẬT or TUYỆT MẬT to move the document into the vault (you will be "
        "asked to confirm)."
    ),
    "review.type_none": "Unknown",
    "review.save": "Save corrections",
    "review.problems": "Not saved. Please fix:",
    "review.problem.family": "Invalid family",
    "review.problem.doc_type": "Invalid document type",
    "review.problem.urgency": "Invalid urgency",
    "review.problem.date": "The date issued must be a real date",
    "review.problem.recipients": "Too many recipients",
    "review.problem.secrecy": "Invalid secrecy level",
    "review.move_title": "Move the document into the vault?",
    "review.move_warning": (
        "The document will be encrypted into the vault at level {level} and leave the open "
        "archive completely: gone from search results, the document page and page images; "
        "the open copy is deleted. This is logged."
    ),
    "review.move_not_cleared": (
        "You are not cleared for this level: after the move you will not see the document."
    ),
    "review.move_confirm": "Move into the vault ({level})",
    "review.move_cancel": "Go back",
    "review.confirmed": "Confirmed. The document left the queue.",
    "review.confirmed_unchanged": "Nothing changed: confirmed as it was.",
    "review.corrected": "Corrections saved (a new version of the document record).",
    "review.moved": "The document was moved into the vault ({level}).",
    "review.level_changed": "The level is now {level}.",
    "review.stale": "Someone else just changed this document. Look again, then redo.",
    "review.refused": "This action is not possible for this document.",
    "field.family": "Family",
    "field.doc_type": "Document type",
    "field.number_symbol": "Number and symbol",
    "field.date": "Date issued",
    "field.place": "Place",
    "field.issuing_body": "Issuing body",
    "field.parent_body": "Superior body",
    "field.abstract": "Abstract (trích yếu)",
    "field.urgency": "Urgency",
    "field.signer": "Signer",
    "field.signer_title": "Signer's title",
    "field.signer_authority": "Signing authority (T/M, K/T, TM., KT.)",
    "field.recipients": "Recipients (one per line)",
    "family.none": "Unknown",
    "family.party": "Party document",
    "family.state": "State administrative document",
    "urgency.none": "Not urgent",
    "urgency.khan": "Urgent (Khẩn)",
    "urgency.thuong_khan": "Very urgent (Thượng khẩn)",
    "urgency.hoa_toc": "Immediate (Hỏa tốc)",
    "event.review_confirm": "Confirmed in review",
    "event.review_correct": "Corrected in review",
    "signal.stamp_text": "Secrecy stamp (text read)",
    "signal.stamp_size": "Stamp frame as wide as a higher level's",
    "signal.stamp_shape": "Secrecy stamp frame (text not readable)",
    "signal.urgency_stamp": "Urgency stamp",
    "signal.declassified_stamp": "GIẢI MẬT stamp",
    "signal.recall_stamp": "THU HỒI stamp",
    "signal.other_stamp": "Another mark",
    "signal.header_line": "Secrecy line in the header",
    "signal.urgency_text": "Urgency line in the header",
    "signal.declassified_line": "GIẢI MẬT line",
    "signal.recall_line": "THU HỒI line",
    "signal.copy_forbidden": "“Không được phép sao, chụp” in the recipients",
    "signal.copy_count": "“Số lượng: NN bản” in the recipients",
    "signal.copy_number": "Numbered copy in the recipients",
    "export.title": "Export classified documents",
    "export.intro": (
        "Choose classified documents and recipients to download a bundle encrypted (age) for "
        "those recipients only: the originals, the signed PDF/As, numbered copies, the records "
        "and the archiving proofs. Recipients check it with sohoa verify-export."
    ),
    "export.locked_note": (
        "Unlock the vault to choose documents and export them. You come back to this page "
        "once it is unlocked."
    ),
    "export.locked": "The vault is locked: unlock it, then export again.",
    "export.empty": "No classified document you may export.",
    "export.documents": "Documents",
    "export.level": "Or export a whole level",
    "export.level_none": "Only the ticked documents",
    "export.level_all": "Every {level} document ({n})",
    "export.recipients_legend": "Recipients",
    "export.recipients": "Recipients' age public keys (starting with age1…), one a line",
    "export.recipients_help": (
        "Only the secret key of one of these recipients decrypts the bundle. At most {n} "
        "recipients; blank lines and lines starting with # are skipped. Never paste a secret "
        "key (AGE-SECRET-KEY-…) here."
    ),
    "export.options": "Options",
    "export.marked": "Include copies marked “BẢN SAO SỐ NN” and signed anew",
    "export.note": (
        "Each document gets a copy number in the copy register; the export is logged (who, "
        "which documents, which recipients). Signing the copies can take a moment."
    ),
    "export.submit": "Export and download the encrypted bundle",
    "export.problems": "Nothing was exported. Please correct:",
    "export.no_documents": "Choose at least one document or a level.",
    "export.level_empty": "No processed {level} document to export.",
    "export.held": (
        "Document {id} is TUYỆT MẬT, held for an officer's decision: it cannot be exported yet."
    ),
    "export.no_recipients": "Enter the public key of at least one recipient.",
    "export.bad_recipient": "Line {line}: “{text}” is not an age public key (age1…).",
    "export.secret_key": (
        "Line {line} is a secret key (AGE-SECRET-KEY-…), not a public key: it was removed from "
        "the box. Paste only the recipients' age1… public keys."
    ),
    "export.too_many_recipients": "At most {n} recipients per export.",
    "upload.title": "Upload scans",
    "upload.intro": (
        "PDF, TIFF, JPEG or PNG files, at most {mb} MB at a time. Text recognition, "
        "classification, signing and archiving follow automatically."
    ),
    "upload.drop": "Drop files here or click to choose",
    "upload.files": "Choose files",
    "upload.submit": "Upload",
    "upload.progress": "Sending files",
    "upload.none": "No file chosen.",
    "upload.empty": "Empty file: {name}",
    "upload.failed": "The files could not be sent. Please try again.",
    "upload.jobs": "Sent files",
    "upload.name": "File",
    "upload.state": "State",
    "upload.open": "Open document",
    "upload.workers_down": "The background workers are not running: files wait in the queue.",
    "ingest.title": "Ingest status",
    "ingest.queue": "Queue",
    "ingest.queued": "Waiting",
    "ingest.processing": "Processing",
    "ingest.done": "Done",
    "ingest.rate": "Last hour: {n} pages/minute",
    "ingest.workers": "Background workers",
    "ingest.workers_on": "running",
    "ingest.workers_off": "not running in the web process",
    "ingest.recent": "Recent files",
    "ingest.when": "When",
    "ingest.classified_name": "(classified)",
    "ingest.quarantine": "Quarantine",
    "ingest.quarantine_none": "No file is quarantined.",
    "ingest.reason": "Reason",
    "ingest.size": "Size",
    "ingest.retry": "Retry",
    "ingest.discard": "Discard",
    "ingest.discard_confirm": "I confirm discarding this file",
    "ingest.retried": "The file is queued again.",
    "ingest.discarded": "File discarded. The decision and its hash are in the event log.",
    "ingest.need_confirm": "Tick the confirmation box before discarding.",
    "ingest.retrying": "being retried",
    "reason.corrupt": "Damaged file",
    "reason.encrypted": "Encrypted or password-protected file",
    "reason.empty": "Empty file",
    "reason.unsupported": "Unsupported format",
    "reason.truncated": "Truncated file",
    "reason.too_large": "File too large",
    "reason.too_many_pages": "Too many pages",
    "reason.image_too_large": "Image too large",
    "reason.no_pages": "No pages",
    "reason.javascript": "PDF contains JavaScript",
    "reason.embedded_files": "PDF contains attached files",
    "reason.ocr_failed": "Text recognition failed",
    "reason.ocr_timeout": "Text recognition timed out",
    "reason.pdfa_failed": "PDF/A conversion failed",
    "reason.sign_failed": "Signing failed",
    "reason.internal_error": "Internal error",
    "audit.title": "Integrity audit",
    "audit.intro": (
        "Re-hashes every stored object and checks each PDF/A signature, the event log "
        "chain and the search index."
    ),
    "audit.run": "Run an audit",
    "audit.running": "Audit running… This page refreshes itself.",
    "audit.started": "Audit started.",
    "audit.already": "An audit is already running.",
    "audit.failed": "The last audit failed ({error}).",
    "audit.latest": "Latest audit",
    "audit.never": "No audit report yet.",
    "audit.ok": "No problem found.",
    "audit.problems": "{n} problems",
    "audit.at": "Time",
    "audit.documents": "Documents",
    "audit.checked": "Objects hashed",
    "audit.events": "Events in the log",
    "audit.seconds": "Duration (seconds)",
    "audit.kind": "Kind",
    "audit.detail": "Detail",
    "dash.title": "Dashboard",
    "dash.documents": "Documents digitized",
    "dash.pages": "Pages",
    "dash.signed": "Share signed",
    "dash.time": "Mean processing time",
    "dash.time_value": "{doc} s/document · {page} s/page",
    "dash.review": "Awaiting review",
    "dash.quarantine": "Quarantined",
    "dash.duplicates": "Duplicates",
    "dash.queue": "In the queue",
    "dash.classified": "Classified documents (vault)",
    "dash.classified_review": "Classified awaiting review",
    "dash.by_month": "By month",
    "dash.chart_docs": "Documents archived per month",
    "dash.chart_signed": "Share signed per month (%)",
    "dash.chart_time": "Processing seconds per page, by month",
    "dash.month": "Month",
    "dash.none": "No figures yet.",
    "users.title": "User accounts",
    "users.name": "User name",
    "users.role": "Role",
    "users.clearance": "Cleared for",
    "users.created": "Created",
    "users.state": "State",
    "users.active": "Active",
    "users.disabled": "Disabled",
    "users.disable": "Disable",
    "users.enable": "Enable",
    "users.add": "Add an account",
    "users.password": "Initial password (at least {n} characters)",
    "users.added": "Account {name} created.",
    "users.updated": "Account {name} updated.",
    "users.self": "You cannot disable your own account.",
    "users.cli": (
        "On the server: sohoa user add NAME --role ROLE [--clearance LEVEL] "
        "--password-stdin"
    ),
}

MESSAGES = {"vi": VI, "en": EN}

DOC_TYPES: dict[str, tuple[str, str]] = {
    "nghi_quyet": ("Nghị quyết", "Resolution"),
    "quyet_dinh": ("Quyết định", "Decision"),
    "chi_thi": ("Chỉ thị", "Directive"),
    "ket_luan": ("Kết luận", "Conclusion"),
    "ke_hoach": ("Kế hoạch", "Plan"),
    "huong_dan": ("Hướng dẫn", "Guidance"),
    "thong_bao": ("Thông báo", "Notice"),
    "bao_cao": ("Báo cáo", "Report"),
    "to_trinh": ("Tờ trình", "Submission"),
    "chuong_trinh": ("Chương trình", "Programme"),
    "quy_dinh": ("Quy định", "Regulation"),
    "quy_che": ("Quy chế", "Rules"),
    "cong_van": ("Công văn", "Official letter"),
    "bien_ban": ("Biên bản", "Minutes"),
    "giay_moi": ("Giấy mời", "Invitation"),
    "thong_tri": ("Thông tri", "Circular"),
    "phuong_an": ("Phương án", "Plan of action"),
    "cong_dien": ("Công điện", "Official telegram"),
    "de_an": ("Đề án", "Scheme"),
    "du_an": ("Dự án", "Project"),
}


def translate(lang: str, key: str, **values: object) -> str:
    table = MESSAGES.get(lang, VI)
    text = table.get(key) or VI.get(key) or key
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def reason_label(lang: str, code: str, fallback: str = "") -> str:
    """A quarantine reason code in words; the pipeline's own text when the code is new."""
    key = "reason." + (code or "")
    if code and key in VI:
        return translate(lang, key)
    return fallback or code or ""


def doc_type_label(lang: str, code: str) -> str:
    pair = DOC_TYPES.get(code or "")
    if pair is None:
        return code or ""
    return pair[1] if lang == "en" else pair[0]


def fmt_date(iso: str | None) -> str:
    """2025-08-15 (or a full timestamp) -> 15/08/2025."""
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", iso or "")
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else (iso or "")


def parse_date(text: str | None) -> str | None:
    """A date typed the Vietnamese way (15/08/2025, 15-8-2025, 15.08.2025) or as ISO
    (2025-08-15) -> ISO; None when it is not a real date between 1900 and 2200."""
    value = (text or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
    else:
        m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", value)
        if not m:
            return None
        day, month, year = m.group(1), m.group(2), m.group(3)
    try:
        parsed = datetime(int(year), int(month), int(day))
    except ValueError:
        return None
    return parsed.strftime("%Y-%m-%d") if 1900 <= parsed.year <= 2200 else None


def _parse_utc(iso: str) -> datetime | None:
    text = (iso or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def fmt_datetime(iso: str | None) -> str:
    """A UTC timestamp -> dd/mm/yyyy HH:MM in Vietnam's time."""
    value = _parse_utc(iso or "")
    if value is None:
        return fmt_date(iso)
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def fmt_epoch(seconds: float | None) -> str:
    if not seconds:
        return ""
    return datetime.fromtimestamp(seconds, VN_TZ).strftime("%d/%m/%Y %H:%M")


def fmt_number(lang: str, value: float | int | None, decimals: int = 0) -> str:
    """Vietnamese groups thousands with '.' and writes decimals after ','; English the reverse."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_size(lang: str, size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{fmt_number(lang, size / 1024, 1)} KB"
    return f"{fmt_number(lang, size / (1024 * 1024), 1)} MB"
