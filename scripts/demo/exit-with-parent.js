// Loaded into the demo's Node-RED by scripts/start.js (node --require). Node-RED's IPC
// channel to scripts/start.js closes when that process ends, even when it was killed
// and could not stop Node-RED: then Node-RED stops as on Ctrl-C.
if (process.channel) {
  process.once('disconnect', () => {
    // Node-RED's own handler stops the flows, then exits; without it (still starting), exit.
    if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT');
    else process.exit(1);
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
