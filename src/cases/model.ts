/**
 * The case (案件) of the closed loop (一件事全流程闭环): what was reported, where, and how
 * urgent. Stages follow GB/T 30428 / CJ/T 315.
 */

/** 一般 normal · 紧急 urgent · 特急 critical. */
export type Urgency = 'normal' | 'urgent' | 'critical';
export const URGENCIES: readonly Urgency[] = ['normal', 'urgent', 'critical'];
export const URGENCY_ZH: Readonly<Record<Urgency, string>> = { normal: '一般', urgent: '紧急', critical: '特急' };

/**
 * Intake channel: app 一键报事 · hotline 12345 热线 · patrol 网格巡查 · sensor 感知告警 ·
 * inspection 专项巡查 · media 媒体曝光 · referral 上级转办.
 */
export type Channel = 'app' | 'hotline' | 'patrol' | 'sensor' | 'inspection' | 'media' | 'referral';
export const CHANNELS: readonly Channel[] = ['app', 'hotline', 'patrol', 'sensor', 'inspection', 'media', 'referral'];

/** 诉求类型: 咨询 consult · 求助 help · 投诉 complaint · 举报 report · 建议 suggestion · 表扬 praise. */
export type AppealType = 'consult' | 'help' | 'complaint' | 'report' | 'suggestion' | 'praise';
export const APPEAL_TYPES: readonly AppealType[] = ['consult', 'help', 'complaint', 'report', 'suggestion', 'praise'];
