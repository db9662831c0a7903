#include "dh.h"

// Not written yet: see issue 3.
void InitDh(Napi::Env, Napi::Object) {}
