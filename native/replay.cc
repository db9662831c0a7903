#include "replay.h"

// Not written yet: see issue 3.
void InitReplay(Napi::Env, Napi::Object) {}
