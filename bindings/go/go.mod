module github.com/lfe-engine/lfe/bindings/go

go 1.24
