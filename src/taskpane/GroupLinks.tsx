/** The Rezi groups a mail was filed onto, each a link that opens the group in Rezi. */
import { Link, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { MatchedGroup } from '../core/ports';

const useStyles = makeStyles({
  groups: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: tokens.spacingHorizontalM },
  muted: { color: tokens.colorNeutralForeground2 },
  // WCAG 2.2 target size: at least 24 px tall, so stacked group links are easy to hit on touch screens.
  groupLink: { display: 'inline-flex', alignItems: 'center', minHeight: '24px' },
});

export function GroupLinks({ groups, mutedLabel = false }: { groups: readonly MatchedGroup[]; mutedLabel?: boolean }) {
  const styles = useStyles();
  if (groups.length === 0) return null;
  return (
    <div className={styles.groups}>
      <Text className={mutedLabel ? styles.muted : undefined}>{groups.length === 1 ? 'Group:' : 'Groups:'}</Text>
      {groups.map((g) => (
        <Link
          key={g.groupId}
          className={styles.groupLink}
          href={g.link}
          target="_blank"
          rel="noopener noreferrer"
          aria-label={`${g.name} (opens Rezi in a new window)`}
        >
          {g.name}
        </Link>
      ))}
    </div>
  );
}

/** The bordered list of mails the results and the IMAP Failed list share. */
export const useMailListStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  item: {
    display: 'flex',
    flexDirection: 'column',
    rowGap: tokens.spacingVerticalXXS,
    padding: tokens.spacingVerticalS,
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    overflowWrap: 'anywhere',
  },
});
