/**
 * The few icons the pane uses, imported one atom at a time: importing '@fluentui/react-icons' itself
 * would pull thousands of icons into the first chunk (and into every jest run).
 */
export { CheckmarkCircle20Filled } from '@fluentui/react-icons/svg/checkmark-circle';
export { PlugDisconnected20Regular } from '@fluentui/react-icons/svg/plug-disconnected';
export { ShieldError20Filled } from '@fluentui/react-icons/svg/shield-error';
export { ArrowSync20Regular } from '@fluentui/react-icons/svg/arrow-sync';
export { ErrorCircle20Filled } from '@fluentui/react-icons/svg/error-circle';
export { Send20Regular } from '@fluentui/react-icons/svg/send';
export { MailInbox20Regular } from '@fluentui/react-icons/svg/mail-inbox';
export { Clock20Regular } from '@fluentui/react-icons/svg/clock';
export { Open20Regular } from '@fluentui/react-icons/svg/open';
