import { ref } from 'vue';

export type Locale = 'zh' | 'en';

const messages = {
  zh: {
    title: '客服工作台', email: '邮箱', password: '密码', signIn: '登录', signingIn: '正在登录…',
    signOut: '退出登录', language: '语言', presence: '状态', online: '在线', away: '离开', offline: '离线',
    chats: '我的会话', waiting: '排队中：{n}', noChats: '暂无会话。上线后会自动分配。',
    visitor: '访客 #{id}', selectChat: '请选择左侧的会话。', reply: '回复', send: '发送',
    replyHint: 'Enter 发送，Shift+Enter 换行', resolve: '标记已解决', returnToBot: '转回机器人',
    pending: '发送中…', failed: '发送失败', customer: '客户', bot: '机器人', agent: '客服', system: '系统',
    intent: '意图', summary: '转人工摘要', reason: '原因', emotion: '情绪', slots: '已收集信息',
    customerSaid: '客户说过', contact: '联系人', name: '姓名', id: '编号', externalId: '外部编号',
    lang: '语言', botTurns: '机器人轮次', connecting: '连接中…', connected: '已连接', reconnecting: '重新连接中…',
    loadEarlier: '加载更早的消息', chatClosed: '该会话已不再分配给你（{status}）。', statusLabel: '会话状态',
    'status.bot': '机器人', 'status.queued': '排队中', 'status.assigned': '人工处理中', 'status.pending': '待处理', 'status.resolved': '已解决',
    'reason.anger': '客户情绪激动', 'reason.customer_asked': '客户要求转人工', 'reason.fallback_streak': '机器人多次没有听懂',
    'reason.human_only': '需要人工处理：{x}', 'reason.flow_loop': '机器人在流程中卡住：{x}', 'reason.ask_failed': '机器人未能收集到信息：{x}',
    'emotion.neutral': '平静', 'emotion.anger': '生气', 'emotion.anxiety': '焦虑', 'emotion.sadness': '难过', 'emotion.joy': '高兴',
    'slot.order_no': '订单号', none: '无', unread: '未读',
    transfer: '转接', transferTo: '转接给', transferNote: '给接手同事的备注', transferSend: '确认转接',
    transferAgent: '同事：{name}（{presence}）', transferQueue: '队列：{name}', transferNone: '没有可转接的同事或队列',
    transferred: '转接备注', transferFrom: '来自同事 #{id}', tier: '客户等级', 'tier.vip': 'VIP',
    takeover: '全员人工接管', takeoverOn: '人工接管已开启：机器人不再回复，新消息全部进入人工队列。',
    'reason.vip': 'VIP 客户', 'reason.takeover': '人工接管开启中',
    suggestions: '建议回复', noSuggestions: '知识库里没有合适的答案。', useSuggestion: '点击填入回复框',
    confidence: '置信度', latest: '最新消息', locked: '合规锁定：请原文发送', outOfScope: '超出业务范围', entities: '识别到',
    article: '文章段落', yes: '是', no: '否',
    knowledge: '知识库', chatsTab: '会话', faqCount: '{n} 条问答', faqFilter: '搜索问题、答案或编号', faqImport: '导入 CSV',
    faqSaved: '已保存 {id}：机器人现在就用新答案。', faqImported: '已导入 {n} 条答案。', faqEdited: '已修改 {when}',
    edit: '编辑', save: '保存', cancel: '取消', answer: '答案',
    canned: '快捷回复', cannedHint: '在回复框输入 / 和快捷词', cannedShortcut: '快捷词，如 refund', cannedTitle: '标题（可选）',
    cannedText: '回复内容', add: '添加', remove: '删除', cannedSaved: '已添加 /{s}',
    numbers: '数据', range: '时间范围', last7: '最近 7 天', last30: '最近 30 天',
    automationRate: '自动化率', handoffRate: '转人工率', fcr: '首次解决率', medianFirstResponse: '首次响应（中位数）',
    medianWait: '排队等待（中位数）', medianResolution: '解决用时（中位数）', csatAvg: '满意度（平均）',
    conversationsTotal: '共 {n} 个会话，{h} 个转人工，{r} 个已由客服解决', perDay: '每日会话：机器人独立处理与转人工',
    handoffReasons: '转人工原因', csatDistribution: '满意度评分分布', times: '响应与等待时间',
    botOnly: '机器人独立处理', handedOver: '转人工', ratings: '评分数', rating: '评分', secondsAxis: '秒',
    date: '日期', conversations: '会话', resolvedCount: '已解决', total: '合计', share: '占全部会话',
    count: '次数', mean: '平均', firstResponse: '首次响应', wait: '排队等待', resolution: '解决用时',
    seconds: '{n} 秒', minutes: '{n} 分钟', hours: '{n} 小时', 'reason.unknown': '未说明原因',
    monitor: '监控', monitorRefresh: '每 2 秒刷新', monitorWaiting: '排队中（{n}）', conversation: '会话', waitedFor: '已等待',
    lastMessage: '最新消息', agents: '客服', role: '角色', chatsOfCapacity: '会话 / 上限', liveChats: '进行中的会话（{n}）',
    join: '加入', joined: '已加入', leave: '退出旁听', 'role.admin': '管理员', 'role.supervisor': '主管', 'role.agent': '客服',
    internalNote: '内部备注', toCustomer: '回复客户', replyMode: '发送给', noteHint: '仅同事可见，客户看不到', addNote: '添加备注',
    setPending: '设为待处理', pendingHint: '等待客户或第三方回复：会话仍归你，但不占用接待上限',
    pastConversations: '历史会话', readOnly: '只读记录', emailLabel: '邮箱', phone: '电话',
    'channel.widget': '网页', 'channel.api': 'API',
  },
  en: {
    title: 'Agent console', email: 'Email', password: 'Password', signIn: 'Sign in', signingIn: 'Signing in…',
    signOut: 'Sign out', language: 'Language', presence: 'Status', online: 'Online', away: 'Away', offline: 'Offline',
    chats: 'My chats', waiting: 'Waiting: {n}', noChats: 'No chats yet. Go online to receive chats.',
    visitor: 'Visitor #{id}', selectChat: 'Select a chat on the left.', reply: 'Reply', send: 'Send',
    replyHint: 'Enter sends, Shift+Enter for a new line', resolve: 'Resolve', returnToBot: 'Return to bot',
    pending: 'sending…', failed: 'not sent', customer: 'Customer', bot: 'Bot', agent: 'Agent', system: 'System',
    intent: 'Intent', summary: 'Handoff summary', reason: 'Reason', emotion: 'Emotion', slots: 'Collected details',
    customerSaid: 'Customer said', contact: 'Contact', name: 'Name', id: 'ID', externalId: 'External ID',
    lang: 'Language', botTurns: 'Bot turns', connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…',
    loadEarlier: 'Load earlier messages', chatClosed: 'This chat is no longer assigned to you ({status}).', statusLabel: 'Chat status',
    'status.bot': 'bot', 'status.queued': 'queued', 'status.assigned': 'with an agent', 'status.pending': 'pending', 'status.resolved': 'resolved',
    transfer: 'Transfer', transferTo: 'Transfer to', transferNote: 'A note for whoever takes it', transferSend: 'Transfer now',
    transferAgent: 'Colleague: {name} ({presence})', transferQueue: 'Queue: {name}', transferNone: 'Nobody and no queue to transfer to',
    transferred: 'Transfer note', transferFrom: 'from colleague #{id}', tier: 'Tier', 'tier.vip': 'VIP',
    takeover: 'Human takeover', takeoverOn: 'Human takeover is on: the bot answers nobody; every new message goes to the agents.',
    'reason.vip': 'VIP customer', 'reason.takeover': 'Human takeover is on',
    'reason.anger': 'The customer is upset', 'reason.customer_asked': 'The customer asked for a person', 'reason.fallback_streak': 'The bot did not understand several times',
    'reason.human_only': 'Only a person handles this: {x}', 'reason.flow_loop': 'The bot got stuck in: {x}', 'reason.ask_failed': 'The bot could not collect: {x}',
    'emotion.neutral': 'calm', 'emotion.anger': 'angry', 'emotion.anxiety': 'anxious', 'emotion.sadness': 'sad', 'emotion.joy': 'happy',
    'slot.order_no': 'Order number', none: 'none', unread: 'unread',
    suggestions: 'Suggested replies', noSuggestions: 'Nothing in the knowledge base fits.', useSuggestion: 'Click to put it in the reply box',
    confidence: 'confidence', latest: 'Latest message', locked: 'Locked wording: send as is', outOfScope: 'out of scope', entities: 'Found',
    article: 'article passage', yes: 'yes', no: 'no',
    knowledge: 'Knowledge base', chatsTab: 'Chats', faqCount: '{n} FAQ entries', faqFilter: 'Search questions, answers or ids', faqImport: 'Import CSV',
    faqSaved: 'Saved {id}: the bot answers with it now.', faqImported: 'Imported {n} answers.', faqEdited: 'edited {when}',
    edit: 'Edit', save: 'Save', cancel: 'Cancel', answer: 'Answer',
    canned: 'Canned responses', cannedHint: 'type / and a shortcut in the reply box', cannedShortcut: 'shortcut, e.g. refund', cannedTitle: 'title (optional)',
    cannedText: 'reply text', add: 'Add', remove: 'Remove', cannedSaved: 'Added /{s}',
    numbers: 'Numbers', range: 'Range', last7: 'Last 7 days', last30: 'Last 30 days',
    automationRate: 'Automation rate', handoffRate: 'Handoff rate', fcr: 'First-contact resolution', medianFirstResponse: 'Median first response',
    medianWait: 'Median wait', medianResolution: 'Median resolution', csatAvg: 'CSAT (average)',
    conversationsTotal: '{n} conversations, {h} handed over, {r} resolved by agents', perDay: 'Conversations per day: bot only and handed over',
    handoffReasons: 'Handoff reasons', csatDistribution: 'CSAT ratings', times: 'Response and waiting times',
    botOnly: 'Bot only', handedOver: 'Handed over', ratings: 'Ratings', rating: 'Rating', secondsAxis: 's',
    date: 'Date', conversations: 'Conversations', resolvedCount: 'Resolved', total: 'Total', share: 'Of all conversations',
    count: 'Count', mean: 'Mean', firstResponse: 'First response', wait: 'Wait', resolution: 'Resolution',
    seconds: '{n} s', minutes: '{n} min', hours: '{n} h', 'reason.unknown': 'no reason given',
    monitor: 'Monitor', monitorRefresh: 'refreshed every 2 s', monitorWaiting: 'Waiting ({n})', conversation: 'Conversation', waitedFor: 'Waited',
    lastMessage: 'Last message', agents: 'Agents', role: 'Role', chatsOfCapacity: 'Chats / capacity', liveChats: 'Live chats ({n})',
    join: 'Join', joined: 'joined', leave: 'Leave', 'role.admin': 'admin', 'role.supervisor': 'supervisor', 'role.agent': 'agent',
    internalNote: 'Internal note', toCustomer: 'Reply to customer', replyMode: 'Send to', noteHint: 'Only colleagues see it, never the customer', addNote: 'Add note',
    setPending: 'Set pending', pendingHint: 'Waiting on the customer or a third party: the chat stays yours but does not count against your capacity',
    pastConversations: 'Past conversations', readOnly: 'read-only transcript', emailLabel: 'Email', phone: 'Phone',
    'channel.widget': 'web', 'channel.api': 'API',
  },
} as const;

export type Key = keyof typeof messages.zh;

function initial(): Locale {
  const saved = localStorage.getItem('kefu.console.locale');
  if (saved === 'zh' || saved === 'en') return saved;
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export const locale = ref<Locale>(initial());
document.documentElement.lang = locale.value === 'zh' ? 'zh-CN' : 'en';

export function setLocale(l: Locale) {
  locale.value = l;
  localStorage.setItem('kefu.console.locale', l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

export function has(key: string): key is Key {
  return key in messages.zh;
}

export function t(key: Key, params: Record<string, string | number> = {}): string {
  let s: string = messages[locale.value][key];
  for (const [k, v] of Object.entries(params)) s = s.split('{' + k + '}').join(String(v));
  return s;
}

export function reasonText(reason: string | undefined): string {
  if (!reason) return t('none');
  const [head, ...rest] = reason.split(':');
  const key = 'reason.' + head;
  return has(key) ? t(key, { x: rest.join(':') }) : reason;
}

export function emotionText(label: string | undefined): string {
  if (!label) return t('none');
  const key = 'emotion.' + label;
  return has(key) ? t(key) : label;
}
