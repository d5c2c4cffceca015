// The app's words, Vietnamese first, with English. The same word for the same
// thing everywhere: "báo cáo" a report, "đợt báo cáo" a round, "trả lại" to
// return, "duyệt" to accept, "mở lại" to reopen, "mục tiêu" a target,
// "chỉ số" an indicator, "mục số liệu" a data element.

const words = {
  app: ['Tổng hợp – báo cáo xây dựng Đảng', 'Tonghop – party-building reports'],
  skip: ['Bỏ qua, đến nội dung chính', 'Skip to main content'],
  lang: ['English', 'Tiếng Việt'],
  langLabel: ['Chuyển sang tiếng Anh', 'Switch to Vietnamese'],
  signIn: ['Đăng nhập', 'Sign in'],
  signOut: ['Đăng xuất', 'Sign out'],
  signInIntro: ['Dán mã truy cập (API token) do quản trị viên cấp, hoặc mở liên kết đăng nhập một lần.', 'Paste the API token your administrator gave you, or open your one-time sign-in link.'],
  token: ['Mã truy cập', 'Token'],
  signingIn: ['Đang đăng nhập…', 'Signing in…'],
  linkUsed: ['Liên kết đăng nhập không dùng được (đã dùng hoặc hết hạn).', 'The sign-in link cannot be used (used already or expired).'],
  nav: ['Điều hướng chính', 'Main navigation'],
  home: ['Việc cần làm', 'To do'],
  entry: ['Nhập báo cáo', 'Enter report'],
  progress: ['Tiến độ nộp', 'Completeness'],
  rollup: ['Tổng hợp số liệu', 'Roll-ups'],
  targets: ['Mục tiêu', 'Targets'],
  loading: ['Đang tải…', 'Loading…'],
  role_viewer: ['xem', 'viewer'], role_editor: ['nhập liệu', 'editor'], role_approver: ['ký duyệt', 'approver'], role_admin: ['quản trị', 'admin'],
  level_province: ['tỉnh', 'province'], level_district: ['huyện', 'district'], level_commune: ['xã', 'commune'],
  due: ['Báo cáo phải nộp', 'Reports due'],
  noDue: ['Chưa có đợt báo cáo nào.', 'No reporting round yet.'],
  round: ['Đợt báo cáo', 'Round'],
  reference: ['Văn bản', 'Instruction'],
  deadline: ['Hạn nộp', 'Deadline'],
  state: ['Tình trạng', 'State'],
  comment: ['Ý kiến cấp trên', "Parent's comment"],
  revision: ['Lần gửi', 'Revision'],
  open: ['Mở', 'Open'],
  st_MISSING: ['chưa nộp', 'not submitted'], st_SUBMITTED: ['đã nộp, chờ duyệt', 'submitted, awaiting review'],
  st_ACCEPTED: ['đã duyệt', 'accepted'], st_RETURNED: ['bị trả lại', 'returned'], st_REOPENED: ['mở lại', 'reopened'],
  late: ['trễ hạn', 'late'], onTime: ['đúng hạn', 'on time'],
  period: ['Kỳ', 'Period'], dataSet: ['Bộ báo cáo', 'Data set'],
  thisPeriod: ['Kỳ này', 'This period'], lastPeriod: ['Kỳ trước', 'Previous period'],
  total: ['Tổng số', 'Total'],
  errors: ['Lỗi', 'Errors'], warnings: ['Cảnh báo', 'Warnings'],
  error: ['Lỗi', 'Error'], warning: ['Cảnh báo', 'Warning'],
  noViolations: ['Số liệu không vi phạm quy tắc kiểm tra nào.', 'The figures break no rule.'],
  checks: ['Kiểm tra số liệu', 'Checks'],
  saved: ['Đã lưu', 'Saved'], saving: ['Đang lưu…', 'Saving…'],
  draftKept: ['Chưa lưu lên máy chủ; bản nháp được giữ trên máy này.', 'Not saved on the node yet; a draft is kept on this computer.'],
  numbers: ['Số liệu', 'Figures'],
  narrative: ['Phần viết', 'Narrative'],
  sign: ['Ký và gửi báo cáo', 'Sign and send'],
  signTitle: ['Ký số và gửi lên cấp trên', 'Sign and send to the parent'],
  signIntro: ['Báo cáo được ký số bằng khóa của đơn vị và gửi lên cấp trên qua hộp thư đi; cấp trên gửi lại biên nhận đã ký.', "The report is signed with the unit's key and sent up through the outbox; the parent answers with a signed receipt."],
  override: ['Giữ nguyên số liệu, lý do:', 'Submit anyway, because:'],
  overrideHint: ['Lỗi chặn việc ký, trừ khi ghi rõ lý do giữ nguyên.', 'An error blocks signing unless a reason to keep it is given.'],
  needApprover: ['Chỉ người có quyền ký duyệt mới ký được báo cáo.', 'Only an approver can sign.'],
  outbox: ['Hộp thư đi', 'Outbox'],
  queued: ['Đang chờ cấp trên nhận', 'Waiting for the parent'],
  delivered: ['Cấp trên đã nhận (biên nhận đã ký, đã kiểm chứng)', 'Received by the parent (signed receipt verified)'],
  rejected: ['Cấp trên từ chối', 'Refused by the parent'],
  root: ['Đơn vị gốc: không gửi lên đâu', 'The root: nothing to send to'],
  attempts: ['lần thử', 'attempts'],
  signed: ['Đã ký', 'Signed'],
  board: ['Tiến độ nộp báo cáo', 'Completeness'],
  level: ['Cấp', 'Level'], unit: ['Đơn vị', 'Unit'],
  expected: ['Phải nộp', 'Expected'], submitted: ['Đã nộp', 'Submitted'], rate: ['Tỷ lệ', 'Rate'],
  missing: ['Chưa nộp', 'Missing'], accepted: ['Đã duyệt', 'Accepted'], returned: ['Trả lại', 'Returned'], awaiting: ['Chờ duyệt', 'Awaiting'],
  firstSigned: ['Ký lần đầu', 'First signed'],
  report: ['Báo cáo', 'Report'],
  verification: ['Xác thực', 'Verification'],
  signer: ['Người ký (chuỗi chứng thư)', 'Signer (certificate chain)'],
  fingerprint: ['Dấu vân tay chứng thư', 'Certificate fingerprint'],
  verifiedRoot: ['Chữ ký đã được kiểm chứng đến chứng thư gốc', 'Signature verified against the root certificate'],
  overridden: ['giữ nguyên, lý do', 'overridden, because'],
  accept: ['Duyệt báo cáo', 'Accept'], return: ['Trả lại', 'Return'], reopen: ['Mở lại', 'Reopen'],
  returnComment: ['Ý kiến khi trả lại', 'Comment for the return'],
  reopenReason: ['Lý do mở lại', 'Reason for reopening'],
  history: ['Lịch sử', 'History'],
  act_received: ['nhận', 'received'], act_accept: ['duyệt', 'accepted'], act_return: ['trả lại', 'returned'], act_reopen: ['mở lại', 'reopened'],
  indicator: ['Chỉ số', 'Indicator'], compareLevel: ['So sánh các đơn vị cấp', 'Compare the units of level'],
  children: ['đơn vị trực thuộc', 'direct children'],
  periodHint: ['Một kỳ (2021) hoặc khoảng (2016..2020)', 'A period (2021) or a range (2016..2020)'],
  show: ['Xem', 'Show'], series: ['Theo các năm', 'Over the years'], compare: ['So sánh đơn vị', 'Compare units'],
  numerator: ['Tử số', 'Numerator'], denominator: ['Mẫu số', 'Denominator'], value: ['Giá trị', 'Value'],
  target: ['Mục tiêu', 'Target'], vsTarget: ['So với mục tiêu', 'vs target'], shareOfPlan: ['% kế hoạch', '% of plan'],
  vsBaseline: ['So với kỳ gốc', 'vs baseline'], met: ['Đạt', 'Met'], yes: ['đạt', 'met'], no: ['chưa đạt', 'not met'],
  csv: ['Tải CSV', 'Download CSV'],
  chartRanked: ['Xếp hạng các đơn vị so với mục tiêu', 'Units ranked against the target'],
  chartSeries: ['Diễn biến qua các kỳ', 'Over the periods'],
  chartProgress: ['Số báo cáo đã nộp theo thời gian', 'Reports submitted over time'],
  setTarget: ['Đặt mục tiêu', 'Set a target'], listTargets: ['Các mục tiêu', 'Targets'],
  forUnit: ['Cho đơn vị', 'For unit'], forLevel: ['hoặc cho cả cấp', 'or for a whole level'],
  direction: ['Hướng', 'Direction'], dir_AT_LEAST: ['≥ (ít nhất)', '≥ (at least)'], dir_AT_MOST: ['≤ (nhiều nhất)', '≤ (at most)'], dir_EQUAL: ['= (bằng)', '= (equal)'],
  baseline: ['Kỳ gốc', 'Baseline'], note: ['Căn cứ', 'Source'], save: ['Lưu', 'Save'], remove: ['Xóa', 'Delete'],
  setBy: ['Đặt bởi', 'Set by'],
  none: ['(không)', '(none)'],
  refused: ['Bị từ chối', 'Refused'],
  send: ['Gửi', 'Send'],
  print: ['In', 'Print'],
  nodeUnit: ['Máy chủ của', 'Node of'],
  reportOf: ['Báo cáo của', 'Report of'],
  notReported: ['Đơn vị chưa gửi báo cáo này.', 'The unit has not sent this report.'],
  pasteHint: ['Gõ số kiểu Việt Nam (2.675); Enter hoặc Tab để sang ô sau; dán một cột từ Excel sẽ điền các ô liền dưới.', 'Type numbers as 2,675 or 2675; Enter or Tab moves on; pasting a column from Excel fills the cells below.'],
  sectionsWritten: ['phần đã viết', 'sections written'],
  valuesCount: ['số liệu', 'values'],
  deadlinePassed: ['đã quá hạn', 'deadline passed'],
  proxyEntry: ['Nhập thay', 'Entry on behalf'],
  proxyLink: ['Nhập thay', 'Enter on behalf'],
  proxyNote: ['Đơn vị này không tự gửi báo cáo: số liệu được nhập, kiểm tra và ký thay bởi', 'This unit does not send its own report: the figures are entered, checked and signed on its behalf by'],
  proxyEarlier: ['đã được nhập thay trước đây; lần ký này thay thế lần đó', 'was entered on its behalf before; signing now replaces it'],
  proxySelfSigned: ['Đơn vị đã tự ký báo cáo này, nên không thể nhập thay nữa.', 'The unit has signed this report itself, so it can no longer be entered on its behalf.'],
  proxySignTitle: ['Ký thay và gửi', 'Sign on behalf and send'],
  proxyIntro: ['Báo cáo ghi rõ được nhập và ký thay bởi', 'The report states that it was entered and signed on the unit’s behalf by'],
  proxySign: ['Ký thay và gửi báo cáo', 'Sign on behalf and send'],
  proxySigned: ['Đã ký thay', 'Signed on behalf'],
  enteredBy: ['nhập thay bởi', 'entered on behalf by'],
};

let lang = localStorage.getItem('tonghop:lang') === 'en' ? 'en' : 'vi';

export function getLang() { return lang; }

export function setLang(l) {
  lang = l === 'en' ? 'en' : 'vi';
  localStorage.setItem('tonghop:lang', lang);
  document.documentElement.lang = lang;
}

// t returns the word for key in the current language.
export function t(key) {
  const w = words[key];
  if (!w) return key;
  return lang === 'en' ? w[1] : w[0];
}

// name picks a catalogue entry's name in the current language.
export function name(o) {
  if (!o) return '';
  return lang === 'en' && o.name_en ? o.name_en : o.name || o.code || '';
}

// enumWord turns an API enum ("REPORT_STATE_ACCEPTED") into its word.
export function enumWord(prefix, v, strip) {
  return t(prefix + String(v || '').replace(strip, ''));
}
