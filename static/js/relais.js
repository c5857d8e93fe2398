// Relais page helpers. Pages work without JavaScript; this only adds
// conveniences. The live chat has its own file.
"use strict";
