const model = "kimi-latest";
