// Placeholder entry until the task pane lands.
const root = document.getElementById('root');
if (root) root.textContent = 'Rezi Email Sync';
