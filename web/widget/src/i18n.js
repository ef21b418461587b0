// The widget's words in its three languages, and which one a page gets:
// the script tag's data-lang, else the browser's language.

const zhCN = {
  open: '在线客服', close: '关闭', title: '在线客服',
  placeholder: '输入消息…', send: '发送', attach: '发送图片', human: '转人工',
  humanText: '转人工', largeOn: '大字模式', largeOff: '标准字号',
  connecting: '连接中…', reconnecting: '连接已断开，正在重新连接…', online: '在线',
  queued: '正在为您转接人工客服', assigned: '人工客服为您服务中', resolved: '对话已结束',
  place: (n) => '您排在第 ' + n + ' 位', wait: (m) => '约 ' + m + ' 分钟',
  sending: '发送中', stored: '已送达', failed: '发送失败',
  typing: '对方正在输入…', agentJoined: '人工客服已加入对话', backToBot: '已转回智能客服',
  rateAsk: '请为本次服务评分', star: (n) => n + ' 星', rateDone: '谢谢您的评价！',
  comment: '补充意见（可选）', commentSend: '提交意见', commentDone: '意见已收到，谢谢！',
  uploadFailed: '图片上传失败：', image: '图片', log: '对话记录',
  you: '我', bot: '智能客服', agent: '人工客服', system: '系统',
};

const zhTW = {
  open: '線上客服', close: '關閉', title: '線上客服',
  placeholder: '輸入訊息…', send: '傳送', attach: '傳送圖片', human: '轉真人客服',
  humanText: '轉人工', largeOn: '大字模式', largeOff: '標準字級',
  connecting: '連線中…', reconnecting: '連線中斷，正在重新連線…', online: '線上',
  queued: '正在為您轉接真人客服', assigned: '真人客服為您服務中', resolved: '對話已結束',
  place: (n) => '您排在第 ' + n + ' 位', wait: (m) => '約 ' + m + ' 分鐘',
  sending: '傳送中', stored: '已送達', failed: '傳送失敗',
  typing: '對方正在輸入…', agentJoined: '真人客服已加入對話', backToBot: '已轉回智慧客服',
  rateAsk: '請為本次服務評分', star: (n) => n + ' 顆星', rateDone: '謝謝您的評價！',
  comment: '補充意見（選填）', commentSend: '送出意見', commentDone: '意見已收到，謝謝！',
  uploadFailed: '圖片上傳失敗：', image: '圖片', log: '對話紀錄',
  you: '我', bot: '智慧客服', agent: '真人客服', system: '系統',
};

const en = {
  open: 'Chat with us', close: 'Close', title: 'Customer service',
  placeholder: 'Type a message…', send: 'Send', attach: 'Send an image', human: 'Talk to a human',
  humanText: 'human', largeOn: 'Larger text', largeOff: 'Normal text',
  connecting: 'Connecting…', reconnecting: 'Connection lost, reconnecting…', online: 'Online',
  queued: 'Waiting for an agent', assigned: 'Chatting with an agent', resolved: 'Chat closed',
  place: (n) => 'You are number ' + n + ' in line', wait: (m) => 'about ' + m + ' min',
  sending: 'Sending', stored: 'Delivered', failed: 'Not sent',
  typing: 'Typing…', agentJoined: 'An agent has joined the chat', backToBot: 'Back with the assistant',
  rateAsk: 'How was this chat?', star: (n) => n + (n === 1 ? ' star' : ' stars'),
  rateDone: 'Thank you for rating us!', comment: 'Anything to add? (optional)',
  commentSend: 'Send comment', commentDone: 'Comment received, thank you!',
  uploadFailed: 'The image was not sent: ', image: 'Image', log: 'Conversation',
  you: 'You', bot: 'Assistant', agent: 'Agent', system: 'System',
};

export const LANGS = { 'zh-CN': zhCN, 'zh-TW': zhTW, en };

// "zh-TW", "zh-HK", "zh-Hant…" → zh-TW; other Chinese → zh-CN; else English.
export function pickLang(wanted, browser) {
  for (const l of [wanted, browser]) {
    if (!l) continue;
    const s = String(l).toLowerCase();
    if (s === 'en' || s.startsWith('en-')) return 'en';
    if (s.startsWith('zh')) return /hant|tw|hk|mo/.test(s) ? 'zh-TW' : 'zh-CN';
    if (wanted && l === wanted) continue;  // an unknown data-lang falls back to the browser's
    return 'en';
  }
  return 'en';
}
