#include "esp.h"

// Not written yet: see issue 3.
void InitEsp(Napi::Env, Napi::Object) {}
