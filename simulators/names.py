"""Vietnamese personal and company names, with their rough frequencies."""

from __future__ import annotations

# Surname shares (percent of the population, rounded): Nguyễn alone is close to 40%.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 3.0),
    ("Huỳnh", 2.1),
    ("Phan", 4.5),
    ("Vũ", 2.0),
    ("Võ", 1.9),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 0.8),
    ("Trương", 0.8),
    ("Mai", 0.5),
    ("Cao", 0.4),
)

MALE_MIDDLE: tuple[str, ...] = (
    "Văn",
    "Văn",
    "Hữu",
    "Đức",
    "Minh",
    "Quang",
    "Thành",
    "Công",
    "Xuân",
    "Ngọc",
    "Hoàng",
    "Tuấn",
)
FEMALE_MIDDLE: tuple[str, ...] = (
    "Thị",
    "Thị",
    "Thị",
    "Ngọc",
    "Thu",
    "Thanh",
    "Minh",
    "Hồng",
    "Kim",
    "Phương",
    "Bích",
    "Thùy",
)
MALE_GIVEN: tuple[str, ...] = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Duy",
    "Hải",
    "Hùng",
    "Huy",
    "Khánh",
    "Khoa",
    "Long",
    "Minh",
    "Nam",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Tuấn",
    "Trung",
    "Vinh",
    "Việt",
    "Hiếu",
    "Lâm",
    "Thịnh",
    "Toàn",
    "Khang",
    "Bảo",
)
FEMALE_GIVEN: tuple[str, ...] = (
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Linh",
    "Mai",
    "My",
    "Ngọc",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Thảo",
    "Trang",
    "Trinh",
    "Vân",
    "Yến",
    "Ngân",
    "Thư",
    "Uyên",
    "Diệp",
)
# A second given name before the last one ("Trần Thị Bích Ngọc") for some women.
FEMALE_SECOND: tuple[str, ...] = ("Bích", "Thanh", "Ngọc", "Minh", "Phương", "Thu", "Khánh")

COMPANY_FORMS: tuple[str, ...] = (
    "Công ty TNHH",
    "Công ty TNHH",
    "Công ty Cổ phần",
    "Công ty TNHH MTV",
    "Doanh nghiệp tư nhân",
)
COMPANY_TRADES: tuple[str, ...] = (
    "Thương mại",
    "Xây dựng",
    "Dịch vụ",
    "Vận tải",
    "Thực phẩm",
    "May mặc",
    "Công nghệ",
    "Xuất nhập khẩu",
    "Nông sản",
    "Đầu tư",
)
COMPANY_BRANDS: tuple[str, ...] = (
    "Đại Phát",
    "Hoàng Long",
    "Minh Anh",
    "Thành Công",
    "Phú Quý",
    "Việt Tiến",
    "An Khang",
    "Hưng Thịnh",
    "Sao Mai",
    "Tân Phát",
    "Bình Minh",
    "Hòa Bình",
    "Kim Ngân",
    "Đông Á",
    "Trường Sơn",
)

# Mobile prefixes by network (Viettel, Vinaphone, Mobifone, Vietnamobile).
MOBILE_PREFIXES: tuple[str, ...] = tuple(
    (
        "086 096 097 098 032 033 034 035 036 037 038 039 088 091 094 081 082 083 084 085"
        " 089 090 093 070 076 077 078 079 092 056 058"
    ).split()
)
PERSONAL_MAIL: tuple[str, ...] = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com")
# Card holders' extra e-mails are work addresses: never equal to a T24 personal address.
WORK_MAIL: tuple[str, ...] = ("fpt.com.vn", "viettel.com.vn", "vnpt.vn", "congty.vn", "corp.vn")
