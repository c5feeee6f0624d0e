"""Vietnamese places for synthetic addresses, phones, national ids and licence plates.

Districts follow the administrative map before the 2025 merger of provinces and the removal
of the district level: it is what most records in a bank's core still carry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    cccd_code: str  # first three digits of a CCCD issued to someone born there
    area_code: str  # landline prefix
    plate_codes: tuple[str, ...]  # vehicle registration prefixes
    districts: tuple[tuple[str, tuple[str, ...]], ...]  # (district, its wards)
    weight: int  # share of the bank's customers living there


CITIES: tuple[City, ...] = (
    City(
        "Hà Nội",
        "001",
        "024",
        ("29", "30", "31", "32", "33", "40"),
        (
            ("Ba Đình", ("Phường Điện Biên", "Phường Kim Mã", "Phường Ngọc Hà")),
            ("Hoàn Kiếm", ("Phường Hàng Bạc", "Phường Tràng Tiền", "Phường Lý Thái Tổ")),
            ("Hai Bà Trưng", ("Phường Bạch Mai", "Phường Ngô Thì Nhậm", "Phường Lê Đại Hành")),
            ("Đống Đa", ("Phường Láng Hạ", "Phường Ô Chợ Dừa", "Phường Văn Miếu")),
            ("Cầu Giấy", ("Phường Dịch Vọng", "Phường Nghĩa Đô", "Phường Yên Hòa")),
            ("Thanh Xuân", ("Phường Khương Trung", "Phường Nhân Chính", "Phường Thượng Đình")),
            ("Long Biên", ("Phường Bồ Đề", "Phường Gia Thụy", "Phường Ngọc Lâm")),
            ("Hoàng Mai", ("Phường Định Công", "Phường Tương Mai", "Phường Vĩnh Hưng")),
        ),
        30,
    ),
    City(
        "TP Hồ Chí Minh",
        "079",
        "028",
        ("50", "51", "59"),
        (
            ("Quận 1", ("Phường Bến Nghé", "Phường Bến Thành", "Phường Đa Kao")),
            ("Quận 3", ("Phường Võ Thị Sáu", "Phường 4", "Phường 9")),
            ("Quận 7", ("Phường Tân Phong", "Phường Tân Phú", "Phường Phú Mỹ")),
            ("Bình Thạnh", ("Phường 1", "Phường 13", "Phường 25")),
            ("Phú Nhuận", ("Phường 2", "Phường 7", "Phường 15")),
            ("Tân Bình", ("Phường 2", "Phường 4", "Phường 12")),
            ("Gò Vấp", ("Phường 1", "Phường 10", "Phường 17")),
            ("Thủ Đức", ("Phường Thảo Điền", "Phường An Phú", "Phường Linh Trung")),
        ),
        32,
    ),
    City(
        "Đà Nẵng",
        "048",
        "0236",
        ("43",),
        (
            ("Hải Châu", ("Phường Hải Châu I", "Phường Thạch Thang", "Phường Phước Ninh")),
            ("Thanh Khê", ("Phường Tân Chính", "Phường Vĩnh Trung", "Phường Xuân Hà")),
            ("Sơn Trà", ("Phường An Hải Bắc", "Phường Mân Thái", "Phường Phước Mỹ")),
            ("Ngũ Hành Sơn", ("Phường Mỹ An", "Phường Khuê Mỹ", "Phường Hòa Hải")),
        ),
        6,
    ),
    City(
        "Hải Phòng",
        "031",
        "0225",
        ("15", "16"),
        (
            ("Hồng Bàng", ("Phường Hoàng Văn Thụ", "Phường Minh Khai", "Phường Quán Toan")),
            ("Lê Chân", ("Phường An Biên", "Phường Dư Hàng", "Phường Kênh Dương")),
            ("Ngô Quyền", ("Phường Lạch Tray", "Phường Máy Tơ", "Phường Cầu Đất")),
        ),
        5,
    ),
    City(
        "Cần Thơ",
        "092",
        "0292",
        ("65",),
        (
            ("Ninh Kiều", ("Phường Tân An", "Phường Xuân Khánh", "Phường An Hòa")),
            ("Cái Răng", ("Phường Lê Bình", "Phường Hưng Phú", "Phường Ba Láng")),
            ("Bình Thủy", ("Phường Bình Thủy", "Phường An Thới", "Phường Trà An")),
        ),
        4,
    ),
    City(
        "Khánh Hòa",
        "056",
        "0258",
        ("79",),
        (
            ("Nha Trang", ("Phường Lộc Thọ", "Phường Vĩnh Hải", "Phường Phước Long")),
            ("Cam Ranh", ("Phường Cam Lộc", "Phường Cam Phúc Bắc", "Phường Ba Ngòi")),
        ),
        3,
    ),
    City(
        "Thừa Thiên Huế",
        "046",
        "0234",
        ("75",),
        (
            ("TP Huế", ("Phường Phú Hội", "Phường Vĩnh Ninh", "Phường Thuận Thành")),
            ("Hương Thủy", ("Phường Phú Bài", "Phường Thủy Dương", "Phường Thủy Phương")),
        ),
        3,
    ),
    City(
        "Nghệ An",
        "040",
        "0238",
        ("37",),
        (
            ("TP Vinh", ("Phường Hưng Bình", "Phường Lê Lợi", "Phường Quang Trung")),
            ("Cửa Lò", ("Phường Nghi Thủy", "Phường Thu Thủy", "Phường Nghi Hải")),
        ),
        3,
    ),
    City(
        "Bình Dương",
        "074",
        "0274",
        ("61",),
        (
            ("Thủ Dầu Một", ("Phường Phú Cường", "Phường Hiệp Thành", "Phường Chánh Nghĩa")),
            ("Dĩ An", ("Phường Dĩ An", "Phường Đông Hòa", "Phường Tân Bình")),
            ("Thuận An", ("Phường Lái Thiêu", "Phường An Phú", "Phường Bình Hòa")),
        ),
        5,
    ),
    City(
        "Đồng Nai",
        "075",
        "0251",
        ("39", "60"),
        (
            ("Biên Hòa", ("Phường Tân Phong", "Phường Trảng Dài", "Phường Quyết Thắng")),
            ("Long Khánh", ("Phường Xuân An", "Phường Xuân Trung", "Phường Phú Bình")),
        ),
        4,
    ),
    City(
        "Quảng Ninh",
        "022",
        "0203",
        ("14",),
        (
            ("Hạ Long", ("Phường Bạch Đằng", "Phường Hồng Gai", "Phường Bãi Cháy")),
            ("Cẩm Phả", ("Phường Cẩm Trung", "Phường Cẩm Thành", "Phường Quang Hanh")),
        ),
        3,
    ),
    City(
        "Lâm Đồng",
        "068",
        "0263",
        ("49",),
        (
            ("Đà Lạt", ("Phường 1", "Phường 3", "Phường 10")),
            ("Bảo Lộc", ("Phường 1", "Phường Lộc Phát", "Phường B'Lao")),
        ),
        2,
    ),
)

# Street names shared by most Vietnamese cities (heroes, dynasties, historic dates).
STREETS: tuple[str, ...] = (
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Huệ",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Quang Trung",
    "Hùng Vương",
    "Điện Biên Phủ",
    "Nguyễn Trãi",
    "Phan Chu Trinh",
    "Lê Duẩn",
    "Trần Phú",
    "Nguyễn Văn Cừ",
    "Võ Văn Kiệt",
    "Lê Thánh Tôn",
    "Phạm Văn Đồng",
    "Hoàng Diệu",
    "Nguyễn Du",
    "Bà Triệu",
    "Cách Mạng Tháng Tám",
    "Ba Tháng Hai",
    "Nguyễn Thị Minh Khai",
    "Lạc Long Quân",
    "Tôn Đức Thắng",
)
