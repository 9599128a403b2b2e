#pragma once
// SIGINT/SIGTERM during training: the first one asks the trainer to stop after the current
// step (it saves a checkpoint and exits cleanly); a second one ends the process at once
// with the default action.
namespace vcc::train {

// Installs the handlers (idempotent) and clears any earlier request.
void install_stop_handlers();
// Restores the default actions.
void remove_stop_handlers();
// The signal that asked to stop, or 0.
int stop_requested();
// For tests: behave as if `signal` had arrived.
void request_stop(int signal);

}  // namespace vcc::train
