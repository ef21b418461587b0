#include <cstdio>

#include "app/tools.h"

namespace kefu::app {

int RunEvalFaq(int, char**) {
  std::fprintf(stderr, "kefu: this tool is not built yet\n");
  return 2;
}

}  // namespace kefu::app
