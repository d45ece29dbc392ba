import type { Priority } from '../services/contracts';
import { PasswordHasher } from '../services/passwords';
import type { AppContext } from './context';

/** Known credentials of the demo data: printed at start, documented in the README. */
export const DEMO = {
  customerPhone: '+8613800138000',
  customerEmail: 'demo@example.com',
  customerPassword: 'helpdesk2026',
  adminEmail: 'admin@example.com',
} as const;

export interface DemoSummary {
  chatUrl: string;
  login: { phone: string; email: string; password: string };
  staffToken: string;
  organizations: string[];
  tickets: number;
}

interface DemoTicket {
  identity: 0 | 1;
  title: string;
  description: string;
  priority: Priority;
  /** Where the demo ticket ends up (submitted, then accepted / resolved by the admin). */
  endState: 'draft' | 'waiting' | 'in_progress' | 'resolved';
  reply?: string;
  resolution?: string;
}

const TICKETS: DemoTicket[] = [
  {
    identity: 0,
    title: '会议室投影仪无法连接 / Projector will not connect',
    description: '三楼会议室的投影仪无法识别笔记本的 HDMI 信号。',
    priority: 'high',
    endState: 'waiting',
  },
  {
    identity: 0,
    title: '申请新员工邮箱 / Mailbox for a new hire',
    description: '下周一入职的同事需要开通邮箱。',
    priority: 'normal',
    endState: 'waiting',
  },
  {
    identity: 0,
    title: 'VPN 经常断线 / VPN keeps dropping',
    description: '在家办公时 VPN 每隔十几分钟断开一次。',
    priority: 'normal',
    endState: 'in_progress',
    reply: '已收到，正在检查 VPN 网关日志。',
  },
  {
    identity: 0,
    title: '发票抬头有误 / Wrong invoice title',
    description: '上月发票的抬头写错了，需要重开。',
    priority: 'low',
    endState: 'resolved',
    resolution: '已作废原发票并按正确抬头重新开具，新发票已寄出。',
  },
  {
    identity: 1,
    title: '物流系统登录缓慢 / Slow sign-in to the logistics system',
    description: '早上登录物流系统需要一分钟以上。',
    priority: 'urgent',
    endState: 'waiting',
  },
  {
    identity: 1,
    title: '打印机缺纸提醒 / Printer paper alert',
    description: '（草稿）仓库打印机总是提示缺纸。',
    priority: 'low',
    endState: 'draft',
  },
];

/**
 * Demo data for `npm start` on an empty database: two organizations, an admin, one customer with two
 * identities and a known password (no forced change, so the demo goes straight to the chat), and
 * tickets in every state. Does nothing when the database already has accounts, staff or organizations
 * (idempotent: a restart keeps what the demo user did). Prints the chat URL and the credentials.
 */
export async function seedDemo(ctx: AppContext, publicBaseUrl: string): Promise<DemoSummary | undefined> {
  const { db, services, config } = ctx;
  const { rows } = await db.query<{ used: boolean }>(
    `select exists (select 1 from accounts) or exists (select 1 from staff) or exists (select 1 from organizations) as used`,
  );
  if (rows[0]?.used) return undefined;

  // The first admin cannot be made through the service (it needs an admin): insert it, once.
  const { rows: staffRows } = await db.query<{ id: string }>(
    `insert into staff (name, email, role) select '演示管理员 Demo Admin', $1, 'admin'
     where not exists (select 1 from staff) returning id`,
    [DEMO.adminEmail],
  );
  const adminId = staffRows[0]?.id;
  if (!adminId) return undefined;
  const admin = { staffId: adminId, role: 'admin' as const };
  const { token: staffToken } = await services.staff.issueToken('system', adminId, 'demo');

  const orgA = await services.organizations.create(admin, '星河科技 Galaxy Tech');
  const orgB = await services.organizations.create(admin, '云帆物流 Cloudsail Logistics');
  const { account, identities } = await services.accounts.open(admin, {
    phone: DEMO.customerPhone,
    email: DEMO.customerEmail,
    name: '演示客户 Demo Customer',
    identities: [
      { organizationId: orgA.id, displayName: '王小明 @ 星河科技', orgWide: true },
      { organizationId: orgB.id, displayName: '王小明 @ 云帆物流' },
    ],
  });
  // A known password instead of the generated initial one, not to be changed first.
  const hash = await new PasswordHasher().hash(DEMO.customerPassword);
  await db.query('update accounts set password_hash = $2, must_change_password = false where id = $1', [
    account.id,
    hash,
  ]);

  const categories = config.TICKET_CATEGORIES;
  let count = 0;
  for (const [index, spec] of TICKETS.entries()) {
    const identity = identities[spec.identity]!;
    const actor = { accountId: account.id, identityId: identity.id };
    const draft = await services.tickets.createDraft(actor, {
      title: spec.title,
      description: spec.description,
      priority: spec.priority,
      category: categories[index % categories.length],
      replyChannel: { kind: 'sms' },
    });
    count++;
    if (spec.endState === 'draft') continue;
    const { ticket } = await services.tickets.submit(actor, draft.id);
    if (spec.endState === 'waiting') continue;
    await services.staffTickets.accept(admin, ticket.id);
    if (spec.reply) await services.staffTickets.reply(admin, ticket.id, spec.reply);
    if (spec.endState === 'resolved')
      await services.staffTickets.resolve(admin, ticket.id, spec.resolution ?? '');
  }

  const summary: DemoSummary = {
    chatUrl: `${publicBaseUrl}/chat`,
    login: { phone: DEMO.customerPhone, email: DEMO.customerEmail, password: DEMO.customerPassword },
    staffToken,
    organizations: [orgA.name, orgB.name],
    tickets: count,
  };
  process.stdout.write(
    [
      '',
      'Demo data created (the database was empty).',
      `  Open the web chat:   ${summary.chatUrl}`,
      `  Customer sign-in:    ${DEMO.customerPhone} or ${DEMO.customerEmail}, password ${DEMO.customerPassword}`,
      '                       (two identities: Galaxy Tech and Cloudsail Logistics)',
      `  Staff API (admin):   ${publicBaseUrl}/api/docs with "Authorization: Bearer ${staffToken}"`,
      '  Codes the development SMS/email senders would send appear in the dev panel of the browser that asked.',
      '',
    ].join('\n'),
  );
  return summary;
}
