package cli

import (
	"cmp"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/validate"
)

// words is every people-facing word the command line writes, in one
// language: table headers, states and the sentences around results. Each
// thing has one word, used by every command (the web app's i18n.js uses the
// same ones): "mục tiêu" a target, "chỉ số" an indicator, "mục số liệu" a
// data element, "phân tổ" a breakdown option, "lần" a revision. Machine
// output keeps its own names: JSON the proto field names, CSV the field
// names of each table's fields.
type words struct {
	en        bool   // English: catalogue entries show their English names
	hanoiTime string // label after a time: " (giờ Hà Nội)"

	// Table headers, one per command's table.
	nodeInfo, nodeRows                                                []string
	catalogElements, catalogBreakdowns, catalogDataSets               []string
	catalogIndicators, units, rules, bundleImport, children, tokens   []string
	audit, submissions, outbox, values, valuesNamed, targets, weights []string
	query, completeness, completenessUnits, due, reviewLog, rounds    []string
	sources, catalogVersions, childrenStatus                          []string
	total, late, error, warning, overridden,                          // overridden: a format of the reason
	superseded, onBehalf string
	stateMissing, stateSubmitted, stateAccepted, stateReturned              string
	stateReopened, outcomeAccepted, outcomeDuplicate, outcomeRefused        string
	forwardQueued, forwardDelivered, forwardRejected, forwardRoot           string
	forwardUnknown, whom, tokenValid, tokenRevoked, tokenUntil, whole, part string
	met, notMet, childNotEnrolled, childTokenIssued, childEnrolled          string
	childRevoked, deadlinePassed                                            string
	childExpired, noReport                                                  string

	// Sentences, as fmt formats; the comment of each names its arguments.
	roundOpen         string // round id, deadline
	roundBelow        string // round id, unit, deadline
	noViolations      string // unit, data set, period
	violations        string // unit, data set, period, count
	violationLine     string // importance, rule, message, left, operator words, right
	warningsOnly      string // count
	errorsOnly        string // count
	errorsAndWarnings string // errors, warnings
	reviewed          string // verb, unit, data set, period, revision, state
	reviewAccepted    string
	reviewReturned    string
	reviewReopened    string
	actions           map[string]string // review log actions by their code
	roles             map[tonghopv1.Role]string
	levels            map[string]string // administrative levels by their code
	mustEqual         string            // what the left side of a broken rule must be
	mustNotExceed     string
	against           string
	signed            string // revision, unit, data set, period, values, sections, digest, forward state
	signedOnBehalf    string // entered by, unit
	statesViolations  string // count
	submissionHeading string // unit, data set, period, revision, time, signer, fingerprint
	rootOutbox        string
	outboxWaiting     string // count, parent address
	requeued          string // digest, revision, unit, period
	verified          string // digest, unit, data set, period, revision, values, sections, time, signer path, certificate, root
	enrolled          string // unit, parent, certificate, valid until
	enrolInfo         string // unit, certificate, fingerprint, valid until, root fingerprint
	newKey            string // certificate, fingerprint
	childToken        string // valid until, token
	revokedCerts      string // count, unit
	storedValues      string // count, unit, data set, period
	deletedValue      string // what
	imported          string // count, file, units, data set, period
	onBehalfImported  string // units, file, data set, period
	onBehalfLine      string // unit, revision, values, entered by, digest
	storedSection     string // section, characters
	deletedSection    string // section
	targetSet         string // id
	deletedTarget     string // id
	weightsDeclared   string // old code, date, declared by, time, weights
	signInLink        string // id, role, unit, until
	tokenMade         string // id, role, unit
	revokedToken      string // id
	auditProblem      string // problem
	exported          string // count, from, file, bytes
	moreWaiting       string // count
	importedBundle    string // from, accepted, duplicate, refused
	receiptsWritten   string // file, from
	receiptsCleared   string // from, cleared, cleared before, waiting
	retired           string // time, parent
	parentRevoked     string // count, reason
	refusedKept       string // unit, data set, period, revision, error
	sourcesVerified   string // count
	sourceReport      string // unit, data set, period, revision, date, signer path
	wroteReport       string // file, content type, bytes, unit, data set, period
	initialised       string // name, code, level, directory, units, source, kept
	initNext          string // unit, directory
	initRoot          string
	configKept        string
	initToken         string // token file, token
	initStart         string // config file
	notCarried        string // what
	catalogueHeading  string // version, digest
	published         string // version, digest, unit, elements, indicators
	inForce           string // version, digest
	yes               string
	boundaries        string // before the day of the boundaries a figure is in
	notComparable     string // units taken in part
	estimated         string // sources, units apportioned
	summedFrom        string // before the sources
	builtInMap        string
	indicatorHeading  string // name, code
	daysLeft          string // days
	daysNotRenewed    string // days
	lastReport        string // unit, data set, period, revision
	childrenCount     string // count
	stateCount        string // count, state
	tokensMade        string // count, where, valid until
	tokensInFile      string // file
	tokensAbove       string
	allEnrolled       string
}

// vietnamese is the command line's default language.
func vietnamese() *words {
	return &words{
		hanoiTime:         " (giờ Hà Nội)",
		nodeInfo:          []string{"MỤC", "GIÁ TRỊ"},
		nodeRows:          []string{"đơn vị", "cấp", "cấp trên", "phiên bản", "lược đồ", "danh mục", "khởi động", "chứng thư bị thu hồi"},
		catalogElements:   []string{"MÃ", "TÍNH CHẤT", "NHÓM", "PHÂN TỔ", "TÊN"},
		catalogBreakdowns: []string{"MÃ", "LOẠI", "CÁC GIÁ TRỊ", "TÊN"},
		catalogDataSets:   []string{"MÃ", "LOẠI KỲ", "MỤC SỐ LIỆU", "PHẦN VIẾT", "TÊN"},
		catalogIndicators: []string{"MÃ", "TỬ SỐ", "MẪU SỐ", "HỆ SỐ", "TÊN"},
		units:             []string{"MÃ", "CẤP", "CẤP TRÊN", "TỪ NGÀY", "ĐẾN NGÀY", "TÊN"},
		rules:             []string{"MÃ", "MỨC", "QUY TẮC", "LOẠI KỲ", "THÔNG BÁO"},
		bundleImport:      []string{"MÃ BĂM", "KẾT QUẢ", "LÝ DO"},
		children:          []string{"ĐƠN VỊ", "TÌNH TRẠNG", "CHỨNG THƯ", "HIỆU LỰC ĐẾN", "TÊN"},
		tokens:            []string{"MÃ", "VAI TRÒ", "ĐƠN VỊ", "TÌNH TRẠNG", "NGÀY TẠO", "TÊN"},
		audit:             []string{"THỜI ĐIỂM", "KẾT QUẢ", "LỜI GỌI", "ĐƠN VỊ", "NGƯỜI GỌI", "CHI TIẾT"},
		submissions:       []string{"ĐƠN VỊ", "BỘ BÁO CÁO", "KỲ", "LẦN", "SỐ LIỆU", "KÝ BỞI", "NHẬN LÚC", "TÌNH TRẠNG", "MÃ BĂM"},
		outbox:            []string{"ĐƠN VỊ", "KỲ", "LẦN", "VÀO HÀNG ĐỢI", "LẦN THỬ", "LỖI GẦN NHẤT"},
		values:            []string{"MỤC SỐ LIỆU", "PHÂN TỔ", "GIÁ TRỊ"},
		valuesNamed:       []string{"MỤC SỐ LIỆU", "PHÂN TỔ", "GIÁ TRỊ", "TÊN"},
		targets:           []string{"MÃ", "CHỈ SỐ", "ÁP DỤNG CHO", "KỲ", "MỤC TIÊU", "KỲ GỐC", "CĂN CỨ"},
		weights:           []string{"ĐƠN VỊ CŨ", "NGÀY", "TRỌNG SỐ", "CĂN CỨ", "LÝ DO", "NGƯỜI KHAI", "KHAI LÚC"},
		query:             []string{"#", "ĐƠN VỊ", "KỲ", "TỬ SỐ", "MẪU SỐ", "GIÁ TRỊ", "MỤC TIÊU", "SO VỚI MỤC TIÊU", "% KẾ HOẠCH", "SO VỚI KỲ GỐC", "ĐẠT", "BÁO CÁO"},
		completeness:      []string{"CẤP", "PHẢI NỘP", "ĐÃ NỘP", "TỶ LỆ", "ĐÚNG HẠN", "TRỄ HẠN", "CHƯA NỘP", "ĐÃ DUYỆT", "TRẢ LẠI", "CHỜ DUYỆT", "NHẬP THAY"},
		completenessUnits: []string{"ĐƠN VỊ", "TÊN", "CẤP", "TÌNH TRẠNG", "LẦN", "KÝ LẦN ĐẦU (GIỜ HÀ NỘI)", "HẠN", "LỖI", "CẢNH BÁO", "Ý KIẾN CẤP TRÊN", "NGƯỜI NHẬP THAY"},
		due:               []string{"ĐỢT BÁO CÁO", "BỘ BÁO CÁO", "KỲ", "HẠN NỘP (GIỜ HÀ NỘI)", "TÌNH TRẠNG", "LẦN", "HẠN", "LỖI", "CẢNH BÁO", "Ý KIẾN CẤP TRÊN"},
		reviewLog:         []string{"#", "THỜI ĐIỂM (GIỜ HÀ NỘI)", "NGƯỜI THỰC HIỆN", "ĐƠN VỊ", "BỘ BÁO CÁO", "KỲ", "THAO TÁC", "LẦN", "TỪ", "SANG", "LÝ DO"},
		rounds:            []string{"ĐỢT BÁO CÁO", "ĐƠN VỊ MỞ", "BỘ BÁO CÁO", "KỲ", "HẠN NỘP (GIỜ HÀ NỘI)", "VĂN BẢN"},
		sources:           []string{"ĐƠN VỊ", "CẤP", "SÁP NHẬP", "TỪ NGÀY"},
		catalogVersions:   []string{"PHIÊN BẢN", "ĐƠN VỊ", "MÃ BĂM", "MỞ RỘNG TỪ", "ĐANG ÁP DỤNG", "MỤC SỐ LIỆU THÊM", "CHỈ SỐ THÊM", "BAN HÀNH LÚC"},
		childrenStatus:    []string{"ĐƠN VỊ", "TÊN", "TÌNH TRẠNG", "CHỨNG THƯ HẾT HẠN (GIỜ HÀ NỘI)", "BÁO CÁO GẦN NHẤT", "NHẬN LÚC (GIỜ HÀ NỘI)"},

		total: "tổng số", late: "trễ hạn", error: "lỗi", warning: "cảnh báo", overridden: " (giữ nguyên, lý do: %s)",
		superseded: " (cũ)", onBehalf: " (nhập thay)",
		stateMissing: "chưa nộp", stateSubmitted: "đã nộp", stateAccepted: "đã duyệt",
		stateReturned: "trả lại", stateReopened: "mở lại",
		outcomeAccepted: "nhận", outcomeDuplicate: "đã có", outcomeRefused: "từ chối",
		forwardQueued: "đang chờ cấp trên nhận", forwardDelivered: "cấp trên đã nhận",
		forwardRejected: "cấp trên từ chối", forwardRoot: "giữ ở đơn vị gốc", forwardUnknown: "không rõ",
		whom: "mọi đơn vị cấp ", tokenValid: "còn hiệu lực", tokenRevoked: "đã thu hồi", tokenUntil: "đến ",
		whole: "toàn bộ", part: "một phần", met: "đạt", notMet: "chưa đạt",
		childNotEnrolled: "chưa đăng ký", childTokenIssued: "đã cấp mã đăng ký", childEnrolled: "đã đăng ký",
		childRevoked: "đã thu hồi", deadlinePassed: " (đã quá hạn)",
		childExpired: "chứng thư đã hết hạn", noReport: "chưa có",

		roundOpen:         "Đợt báo cáo %s mở đến %s (giờ Hà Nội).\n",
		roundBelow:        "Đợt báo cáo %s, các đơn vị thuộc %s; hạn nộp %s (giờ Hà Nội)",
		noViolations:      "%s %s %s: số liệu không vi phạm quy tắc kiểm tra nào.\n",
		violations:        "%s %s %s: %d vi phạm:\n",
		violationLine:     "  %s [%s] %s: là %s, %s %s",
		warningsOnly:      "Số liệu của kỳ có %d cảnh báo, không chặn việc ký:\n",
		errorsOnly:        "Số liệu của kỳ có %d lỗi, chặn việc ký cho đến khi sửa hoặc ghi rõ lý do giữ nguyên:\n",
		errorsAndWarnings: "Số liệu của kỳ có %d lỗi, chặn việc ký cho đến khi sửa hoặc ghi rõ lý do giữ nguyên, và %d cảnh báo, không chặn việc ký:\n",
		reviewed:          "%s báo cáo %s %s %s lần %d; tình trạng: %s.\n",
		reviewAccepted:    "Đã duyệt", reviewReturned: "Đã trả lại", reviewReopened: "Đã mở lại",
		levels: map[string]string{"province": "tỉnh", "district": "huyện", "commune": "xã"},
		roles: map[tonghopv1.Role]string{tonghopv1.Role_ROLE_VIEWER: "xem", tonghopv1.Role_ROLE_EDITOR: "nhập liệu",
			tonghopv1.Role_ROLE_APPROVER: "ký duyệt", tonghopv1.Role_ROLE_ADMIN: "quản trị"},
		actions:   map[string]string{"received": "nhận", "accept": "duyệt", "return": "trả lại", "reopen": "mở lại"},
		mustEqual: "phải bằng", mustNotExceed: "phải không quá", against: "so với",
		signed:            "Đã ký lần %d của %s %s %s (%d số liệu, %d phần viết): %s, %s.\n",
		signedOnBehalf:    "%s nhập và ký thay cho %s (nhập thay).\n",
		statesViolations:  "Báo cáo ghi %d vi phạm:\n",
		submissionHeading: "%s %s %s lần %d, ký lúc %s bởi %s (%s)\n",
		rootOutbox:        "Đơn vị này là đơn vị gốc: không có cấp trên, không có gì chờ gửi.",
		outboxWaiting:     "%d báo cáo chờ gửi lên %s\n",
		requeued:          "Đã xếp lại %s vào hàng đợi (lần %d của %s %s).\n",
		verified:          "HỢP LỆ %s\n  đơn vị %s, bộ báo cáo %s, kỳ %s, lần %d, %s số liệu, %d phần viết\n  ký lúc %s bởi %s (chứng thư %s…), chứng thư gốc %s…\n",
		enrolled:          "Đã đăng ký %s với cấp trên %s; chứng thư %s có hiệu lực đến %s.\n",
		enrolInfo:         "đơn vị %s, chứng thư %s, dấu vân tay %s, hiệu lực đến %s; dấu vân tay chứng thư gốc %s\n",
		newKey:            "Đã chứng nhận khóa mới: chứng thư %s, dấu vân tay %s.\n",
		childToken:        "Hiệu lực đến %s. Trên máy của đơn vị cấp dưới: tonghop enroll --data-dir DIR --token %s\n",
		revokedCerts:      "Đã thu hồi %d chứng thư của %s.\n",
		storedValues:      "Đã lưu %d số liệu của %s, %s, %s.\n",
		deletedValue:      "Đã xóa %s.\n",
		imported:          "Đã nhập %d số liệu từ %s cho %s, %s, %s.\n",
		onBehalfImported:  "Đã nhập và ký thay %d đơn vị từ %s (%s, %s):\n",
		onBehalfLine:      "  %s: lần %d, %d số liệu, %s nhập thay: %s\n",
		storedSection:     "Đã lưu phần %s (%d ký tự).\n",
		deletedSection:    "Đã xóa phần %s.\n",
		targetSet:         "Đã đặt mục tiêu %s.\n",
		deletedTarget:     "Đã xóa mục tiêu %s.\n",
		weightsDeclared:   "Trọng số chia tách %s ngày %s do %s khai lúc %s: %s.\n",
		signInLink:        "Liên kết đăng nhập %s: %s của %s, đến %s. Mở được một phiên trình duyệt, một lần.\n",
		tokenMade:         "Mã truy cập %s: %s của %s. Mã bí mật ở trên chỉ hiện một lần; máy chủ không lưu nó.\n",
		revokedToken:      "Đã thu hồi mã truy cập %s.\n",
		auditProblem:      "nhật ký kiểm toán: %s\n",
		exported:          "Đã xuất %d báo cáo của %s vào %s (%d byte).\n",
		moreWaiting:       "Còn %d báo cáo chờ trong hộp thư đi: xuất lần nữa sau khi nhập biên nhận của tệp này.\n",
		importedBundle:    "Đã nhập gói của %s: nhận %d, đã có %d, từ chối %d.\n",
		receiptsWritten:   "Đã ghi biên nhận vào %s: nhập tệp này trên máy của %s bằng `tonghop bundle receipts`.\n",
		receiptsCleared:   "Biên nhận của %s: %d báo cáo rời hộp thư đi, %d đã rời trước đó; %d còn chờ.\n",
		retired:           "Đã nghỉ lúc %s (giờ Hà Nội): hộp thư đi đã bàn giao cho %s, kho dữ liệu chỉ còn đọc.\n",
		parentRevoked:     "Cấp trên đã thu hồi %d chứng thư: %s\n",
		refusedKept:       "  cấp trên từ chối, giữ lại ở đây: %s %s %s lần %d (%s)\n",
		sourcesVerified:   "Đã xác thực %s báo cáo:\n",
		sourceReport:      "  %s %s %s lần %d, ký ngày %s bởi %s\n",
		wroteReport:       "Đã ghi %s (%s, %d byte) cho %s, %s, %s.\n",
		initialised:       "Đã khởi tạo máy chủ của %s (%s, %s) trong %s với %d đơn vị từ %s%s.\n",
		initNext:          "Tiếp theo, với mã do quản trị viên cấp trên cấp (tonghop children token %s):\n  tonghop enroll --data-dir %s --token TOKEN\n",
		initRoot:          "Đây là đơn vị gốc của hệ thống và giữ chứng thư gốc (CA) của mình.\n",
		configKept:        " (giữ nguyên tệp cấu hình)",
		initToken:         "Mã quản trị đầu tiên (chỉ hiện một lần; cũng có trong %s, chỉ bạn đọc được):\n  %s\n",
		initStart:         "Chạy máy chủ bằng:\n  tonghop serve --config %s\n",
		notCarried:        "không chuyển sang được: %s\n",
		catalogueHeading:  "Danh mục %s (%s)\n\n",
		published:         "Đã ban hành danh mục %s (%s) cho đơn vị %s: thêm %d mục số liệu và %d chỉ số; áp dụng tại đây.\n",
		inForce:           "Đang áp dụng tại đây: danh mục %s (%s)\n\n",
		yes:               "có",
		boundaries:        "RANH GIỚI ",
		notComparable:     "không so sánh được: nhận một phần của %s (chưa khai báo trọng số chia tách)",
		estimated:         "ước tính từ %s (chia %s theo trọng số đã khai báo)",
		summedFrom:        "cộng từ ",
		builtInMap:        "bản đồ hành chính có sẵn (danh sách 2024 và 2025, bảng chuyển đổi ngày 01/07/2025)",
		indicatorHeading:  "%s (%s)\n\n",
		daysLeft:          " (còn %d ngày)",
		daysNotRenewed:    " (còn %d ngày, chưa tự gia hạn)",
		lastReport:        "%s %s %s, lần %d",
		childrenCount:     "%d đơn vị trực thuộc",
		stateCount:        "%d %s",
		tokensMade:        "Đã tạo %d mã đăng ký, %s, dùng được đến %s; mỗi mã dùng một lần. Trên máy của từng đơn vị cấp dưới: tonghop enroll --data-dir DIR --token MÃ\n",
		tokensInFile:      "trong tệp %s (chỉ chủ tệp đọc được)",
		tokensAbove:       "ở trên",
		allEnrolled:       "Mọi đơn vị trực thuộc đã đăng ký: không tạo mã nào (--include-enrolled để tạo cho mọi đơn vị).\n",
	}
}

// english is the command line with --lang en.
func english() *words {
	return &words{
		en:                true,
		hanoiTime:         " (Hà Nội time)",
		nodeInfo:          []string{"FIELD", "VALUE"},
		nodeRows:          []string{"unit", "level", "parent", "version", "schema", "catalogue", "started", "revoked"},
		catalogElements:   []string{"CODE", "NATURE", "GROUP", "BREAKDOWNS", "NAME"},
		catalogBreakdowns: []string{"CODE", "KIND", "OPTIONS", "NAME"},
		catalogDataSets:   []string{"CODE", "PERIOD TYPE", "DATA ELEMENTS", "SECTIONS", "NAME"},
		catalogIndicators: []string{"CODE", "NUMERATOR", "DENOMINATOR", "FACTOR", "NAME"},
		units:             []string{"CODE", "LEVEL", "PARENT", "VALID FROM", "VALID TO", "NAME"},
		rules:             []string{"CODE", "IMPORTANCE", "RULE", "PERIOD TYPE", "MESSAGE"},
		bundleImport:      []string{"DIGEST", "OUTCOME", "REASON"},
		children:          []string{"UNIT", "STATE", "CERTIFICATE", "VALID UNTIL", "NAME"},
		tokens:            []string{"ID", "ROLE", "UNIT", "STATE", "CREATED", "NAME"},
		audit:             []string{"TIME", "CODE", "METHOD", "UNITS", "CALLER", "DETAIL"},
		submissions:       []string{"UNIT", "DATA SET", "PERIOD", "REVISION", "VALUES", "SIGNER", "RECEIVED", "STATE", "DIGEST"},
		outbox:            []string{"UNIT", "PERIOD", "REVISION", "QUEUED", "ATTEMPTS", "LAST ERROR"},
		values:            []string{"DATA ELEMENT", "OPTION", "VALUE"},
		valuesNamed:       []string{"DATA ELEMENT", "OPTION", "VALUE", "NAME"},
		targets:           []string{"ID", "INDICATOR", "FOR", "PERIOD", "TARGET", "BASELINE", "SOURCE"},
		weights:           []string{"OLD UNIT", "DATE", "WEIGHTS", "BASIS", "REASON", "DECLARED BY", "DECLARED AT"},
		query:             []string{"#", "UNIT", "PERIOD", "NUMERATOR", "DENOMINATOR", "VALUE", "TARGET", "VS TARGET", "% OF PLAN", "VS BASELINE", "MET", "REPORTING"},
		completeness:      []string{"LEVEL", "EXPECTED", "SUBMITTED", "RATE", "ON TIME", "LATE", "MISSING", "ACCEPTED", "RETURNED", "AWAITING REVIEW", "ON BEHALF"},
		completenessUnits: []string{"UNIT", "NAME", "LEVEL", "STATE", "REVISION", "FIRST SIGNED (HÀ NỘI TIME)", "DEADLINE", "ERRORS", "WARNINGS", "PARENT'S COMMENT", "ENTERED BY"},
		due:               []string{"ROUND", "DATA SET", "PERIOD", "DEADLINE (HÀ NỘI TIME)", "STATE", "REVISION", "ON TIME", "ERRORS", "WARNINGS", "PARENT'S COMMENT"},
		reviewLog:         []string{"#", "TIME (HÀ NỘI TIME)", "ACTOR", "UNIT", "DATA SET", "PERIOD", "ACTION", "REVISION", "FROM", "TO", "REASON"},
		rounds:            []string{"ROUND", "OPENED BY", "DATA SET", "PERIOD", "DEADLINE (HÀ NỘI TIME)", "INSTRUCTION"},
		sources:           []string{"UNIT", "LEVEL", "MERGED", "FROM"},
		catalogVersions:   []string{"VERSION", "UNIT", "DIGEST", "EXTENDS", "IN FORCE", "ELEMENTS ADDED", "INDICATORS ADDED", "PUBLISHED"},
		childrenStatus:    []string{"UNIT", "NAME", "STATE", "CERTIFICATE ENDS (HÀ NỘI TIME)", "LAST REPORT", "RECEIVED (HÀ NỘI TIME)"},

		total: "total", late: "late", error: "error", warning: "warning", overridden: " (overridden: %s)",
		superseded: " (old)", onBehalf: " (on behalf)",
		stateMissing: "not submitted", stateSubmitted: "submitted", stateAccepted: "accepted",
		stateReturned: "returned", stateReopened: "reopened",
		outcomeAccepted: "accepted", outcomeDuplicate: "already held", outcomeRefused: "refused",
		forwardQueued: "waiting for the parent", forwardDelivered: "received by the parent",
		forwardRejected: "refused by the parent", forwardRoot: "kept at the root", forwardUnknown: "unknown",
		whom: "every unit of level ", tokenValid: "valid", tokenRevoked: "revoked", tokenUntil: "until ",
		whole: "whole", part: "part", met: "met", notMet: "not met",
		childNotEnrolled: "not enrolled", childTokenIssued: "token issued", childEnrolled: "enrolled",
		childRevoked: "revoked", deadlinePassed: " (deadline passed)",
		childExpired: "certificate ended", noReport: "none yet",

		roundOpen:         "Round %s open until %s (Hà Nội time).\n",
		roundBelow:        "Round %s, below %s; deadline %s (Hà Nội time)",
		noViolations:      "%s %s %s: the figures break no rule.\n",
		violations:        "%s %s %s: %d violation(s):\n",
		violationLine:     "  %s [%s] %s: is %s, %s %s",
		warningsOnly:      "The period's values draw %d warning(s), which do not block signing:\n",
		errorsOnly:        "The period's values break %d rule(s), errors that block signing until fixed or overridden:\n",
		errorsAndWarnings: "The period's values break %d rule(s), errors that block signing until fixed or overridden, and draw %d warning(s), which do not:\n",
		reviewed:          "%s %s %s %s revision %d: %s.\n",
		reviewAccepted:    "Accepted", reviewReturned: "Returned", reviewReopened: "Reopened",
		levels: map[string]string{"province": "province", "district": "district", "commune": "commune"},
		roles: map[tonghopv1.Role]string{tonghopv1.Role_ROLE_VIEWER: "viewer", tonghopv1.Role_ROLE_EDITOR: "editor",
			tonghopv1.Role_ROLE_APPROVER: "approver", tonghopv1.Role_ROLE_ADMIN: "admin"},
		actions:   map[string]string{"received": "received", "accept": "accepted", "return": "returned", "reopen": "reopened"},
		mustEqual: "must equal", mustNotExceed: "must not exceed", against: "beside",
		signed:            "Signed revision %d of %s %s %s (%d values, %d sections): %s, %s.\n",
		signedOnBehalf:    "Entered and signed by %s on behalf of %s.\n",
		statesViolations:  "It states %d violation(s):\n",
		submissionHeading: "%s %s %s revision %d, signed %s by %s (%s)\n",
		rootOutbox:        "This node is the root: it has no parent, and nothing waits for delivery.",
		outboxWaiting:     "%d report(s) waiting for %s\n",
		requeued:          "Queued %s again (revision %d of %s %s).\n",
		verified:          "OK %s\n  unit %s, data set %s, period %s, revision %d, %s values, %d sections\n  signed %s by %s (certificate %s…), root %s…\n",
		enrolled:          "Enrolled %s under %s; certificate %s valid until %s.\n",
		enrolInfo:         "unit %s, certificate %s, fingerprint %s, valid until %s; root fingerprint %s\n",
		newKey:            "New key certified: certificate %s, fingerprint %s.\n",
		childToken:        "Valid until %s. On the child: tonghop enroll --data-dir DIR --token %s\n",
		revokedCerts:      "Revoked %d certificate(s) of %s.\n",
		storedValues:      "Stored %d values for %s, %s, %s.\n",
		deletedValue:      "Deleted %s.\n",
		imported:          "Imported %d values from %s for %s, %s, %s.\n",
		onBehalfImported:  "Entered and signed %d units' reports on their behalf from %s (%s, %s):\n",
		onBehalfLine:      "  %s: revision %d, %d values, entered by %s: %s\n",
		storedSection:     "Stored section %s (%d characters).\n",
		deletedSection:    "Deleted section %s.\n",
		targetSet:         "Target %s set.\n",
		deletedTarget:     "Deleted target %s.\n",
		weightsDeclared:   "Weights of the split of %s on %s declared by %s at %s: %s.\n",
		signInLink:        "Sign-in link %s: %s of %s, until %s. It opens one browser session, once.\n",
		tokenMade:         "Token %s: %s of %s. The secret above is shown once; it is not stored.\n",
		revokedToken:      "Revoked token %s.\n",
		auditProblem:      "audit log: %s\n",
		exported:          "Exported %d envelope(s) from %s to %s (%d bytes).\n",
		moreWaiting:       "%d more wait in the outbox: export again once this file's receipts are imported.\n",
		importedBundle:    "Imported %s's bundle: %d accepted, %d already held, %d refused.\n",
		receiptsWritten:   "Receipts written to %s: import them on %s with `tonghop bundle receipts`.\n",
		receiptsCleared:   "Receipts from %s: %d cleared from the outbox, %d cleared before; %d still waiting.\n",
		retired:           "Retired at %s (Hà Nội time): the outbox is handed over to %s and the store is read-only.\n",
		parentRevoked:     "The parent revoked %d certificate(s): %s\n",
		refusedKept:       "  refused by the parent, kept here: %s %s %s revision %d (%s)\n",
		sourcesVerified:   "%s report(s) verified:\n",
		sourceReport:      "  %s %s %s revision %d, signed %s by %s\n",
		wroteReport:       "Wrote %s (%s, %d bytes) for %s, %s, %s.\n",
		initialised:       "Initialised the node of %s (%s, %s) in %s with %d units from %s%s.\n",
		initNext:          "Next, with a token from the parent's administrator (tonghop children token %s):\n  tonghop enroll --data-dir %s --token TOKEN\n",
		initRoot:          "This node is the root of its hierarchy and holds its own CA certificate.\n",
		configKept:        " (configuration kept as it was)",
		initToken:         "Its first admin token (shown once; also in %s, readable by you only):\n  %s\n",
		initStart:         "Start it with:\n  tonghop serve --config %s\n",
		notCarried:        "not carried over: %s\n",
		catalogueHeading:  "Catalogue %s (%s)\n\n",
		published:         "Published catalogue %s (%s) for unit %s: %d data elements and %d indicators added; in force here.\n",
		inForce:           "In force here: catalogue %s (%s)\n\n",
		yes:               "yes",
		boundaries:        "BOUNDARIES OF ",
		notComparable:     "not comparable: takes part of %s (no split weights declared)",
		estimated:         "estimated from %s (%s apportioned by the declared weights)",
		summedFrom:        "summed from ",
		builtInMap:        "Vietnam's built-in map (2024 and 2025 lists, the 2025-07-01 mapping)",
		indicatorHeading:  "%s (%s)\n\n",
		daysLeft:          " (%d days left)",
		daysNotRenewed:    " (%d days left, not renewed yet)",
		lastReport:        "%s %s %s, revision %d",
		childrenCount:     "%d direct children",
		stateCount:        "%d %s",
		tokensMade:        "Made %d enrolment tokens, %s, valid until %s; each serves once. On each child: tonghop enroll --data-dir DIR --token TOKEN\n",
		tokensInFile:      "in %s (readable by its owner only)",
		tokensAbove:       "above",
		allEnrolled:       "Every child is enrolled: no token made (--include-enrolled makes one for every child).\n",
	}
}

// registerLang adds --lang to the root command: every subcommand inherits it.
func registerLang(root *cobra.Command) {
	root.PersistentFlags().String("lang", "", "language of the output for people: vi or en (default: $TONGHOP_LANG, else vi)")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		_, err := language(cmd)
		return err
	}
}

// language reads --lang, then $TONGHOP_LANG.
func language(cmd *cobra.Command) (*words, error) {
	lang := os.Getenv("TONGHOP_LANG")
	if f := cmd.Flag("lang"); f != nil && f.Changed {
		lang = f.Value.String()
	}
	switch cmp.Or(lang, "vi") {
	case "vi":
		return vietnamese(), nil
	case "en":
		return english(), nil
	}
	return nil, fmt.Errorf("%w: --lang or $TONGHOP_LANG %q is not vi or en", errUsage, lang)
}

// say is the words of the language cmd runs in; the root checked the
// choice before any command ran.
func say(cmd *cobra.Command) *words {
	w, err := language(cmd)
	if err != nil {
		return vietnamese()
	}
	return w
}

// when writes a time for people: Hà Nội time, labelled. JSON keeps
// RFC 3339.
func (w *words) when(t time.Time) string {
	return t.In(numfmt.Zone()).Format("2006-01-02 15:04:05") + w.hanoiTime
}

func (w *words) state(s tonghopv1.ReportState) string {
	switch s {
	case tonghopv1.ReportState_REPORT_STATE_MISSING:
		return w.stateMissing
	case tonghopv1.ReportState_REPORT_STATE_SUBMITTED:
		return w.stateSubmitted
	case tonghopv1.ReportState_REPORT_STATE_ACCEPTED:
		return w.stateAccepted
	case tonghopv1.ReportState_REPORT_STATE_RETURNED:
		return w.stateReturned
	case tonghopv1.ReportState_REPORT_STATE_REOPENED:
		return w.stateReopened
	}
	return "?"
}

func (w *words) outcome(o tonghopv1.DeliveryOutcome) string {
	switch o {
	case tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED:
		return w.outcomeAccepted
	case tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE:
		return w.outcomeDuplicate
	}
	return w.outcomeRefused
}

func (w *words) forward(f tonghopv1.ForwardState) string {
	switch f {
	case tonghopv1.ForwardState_FORWARD_STATE_QUEUED:
		return w.forwardQueued
	case tonghopv1.ForwardState_FORWARD_STATE_DELIVERED:
		return w.forwardDelivered
	case tonghopv1.ForwardState_FORWARD_STATE_REJECTED:
		return w.forwardRejected
	case tonghopv1.ForwardState_FORWARD_STATE_ROOT:
		return w.forwardRoot
	}
	return w.forwardUnknown
}

// action is a review log's action for people; an unknown one as it is.
func (w *words) action(code string) string {
	if a, ok := w.actions[code]; ok {
		return a
	}
	return code
}

// mustBe says what the left side of a broken rule must be: "là 2.674, phải
// bằng 2.675" reads as what is wrong, not as an assertion.
func (w *words) mustBe(o validate.Op) string {
	switch o {
	case validate.Equal:
		return w.mustEqual
	case validate.LessEqual:
		return w.mustNotExceed
	case validate.Against:
		return w.against
	}
	return string(o)
}

// role is a token's role for people.
func (w *words) role(r tonghopv1.Role) string {
	if name, ok := w.roles[r]; ok {
		return name
	}
	return r.String()
}

// name picks a catalogue entry's name: in English its English name when it
// has one.
func (w *words) name(vi, en string) string {
	if w.en && en != "" {
		return en
	}
	return vi
}

// level is an administrative level for people; a level of another map
// (levels are data) as its code.
func (w *words) level(code string) string {
	if name, ok := w.levels[code]; ok {
		return name
	}
	return code
}
