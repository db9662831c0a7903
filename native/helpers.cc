#include "helpers.h"

// Not written yet: see issue 3.
void InitHelpers(Napi::Env, Napi::Object) {}
