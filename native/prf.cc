#include "prf.h"

// Not written yet: see issue 3.
void InitPrf(Napi::Env, Napi::Object) {}
