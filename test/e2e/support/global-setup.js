// Jest globalSetup for the e2e project: build the pane once, before any browser starts.
const { ensurePaneBuilt, paneWired } = require('./build-pane');

module.exports = async function globalSetup() {
  if (!paneWired()) {
    process.stdout.write('\n*** e2e: the task pane is not wired to its services yet: not building it; the pane scenarios will be SKIPPED ***\n');
    return;
  }
  ensurePaneBuilt({ log: (m) => process.stdout.write(`${m}\n`) });
};
